using System.Globalization;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.Cli.Output;

/// <summary>Writes a plan for a person: verdict first, then memory, capacity, speed, cost, and what to change.</summary>
internal static class PlanTextWriter
{
    public static void Write(TextWriter w, DeploymentPlan plan, IReadOnlyList<string> vllmArgs)
    {
        var r = plan.Request;
        w.WriteLine($"Plan: {r.Model.Id} · {r.Quantization.Id} · {r.GpuCount} × {r.Gpu.Id} · vLLM {VllmLaunch.PinnedVersion}");
        w.WriteLine(plan.Feasible ? "Verdict: vLLM starts" : "Verdict: vLLM refuses to start");
        w.WriteLine();

        var memory = new TextTable("Memory per GPU", ">GiB");
        memory.AddRow("total (as CUDA reports)", F2(plan.PerGpu.TotalGiB));
        memory.AddRow($"budget (× {r.GpuMemoryUtilization.ToString("0.00", CultureInfo.InvariantCulture)})", F2(plan.PerGpu.BudgetGiB));
        memory.AddRow("weights", F2(plan.PerGpu.WeightsGiB));
        memory.AddRow("activation peak (profiling)", F2(plan.PerGpu.ActivationGiB));
        memory.AddRow("non-torch (NCCL, cuBLAS)", F2(plan.PerGpu.NonTorchGiB));
        memory.AddRow(r.KvCacheMemoryGiB is null ? "KV cache (the rest)" : "KV cache (--kv-cache-memory-bytes)", F2(plan.PerGpu.KvCacheGiB));
        memory.Write(w);
        w.WriteLine();

        var kib = plan.KvLayout.BytesPerToken / 1024.0;
        w.WriteLine($"KV cache     {kib.ToString("0.##", CultureInfo.InvariantCulture)} KiB/token per GPU ({(r.KvCacheDtype == KvCacheDtype.Fp8 ? "fp8" : "16-bit")}) · {plan.KvCacheTokens:N0} tokens ({plan.KvCacheBlocks:N0} blocks of {plan.KvLayout.BlockSize}) · {F2(plan.MaxConcurrency)} × {plan.MaxModelLen:N0}-token sequences");
        w.WriteLine($"Scheduler    {plan.Scheduler.MaxNumBatchedTokens:N0} batched tokens · {plan.Scheduler.MaxNumSeqs:N0} sequences{(r.MaxNumSeqs is null && r.MaxNumBatchedTokens is null ? " (vLLM's defaults for this GPU)" : "")}");
        if (plan.DecodeTokensPerSecondCeiling is { } ceiling && plan.DecodeTokensPerSecondEstimate is { } estimate)
        {
            w.WriteLine($"Decode       batch-1 ceiling {F1(ceiling)} tok/s ({r.Gpu.MemoryBandwidthTBps.ToString("0.###", CultureInfo.InvariantCulture)} TB/s ÷ {F2(plan.Weights.StreamedPerTokenBytes / Serving.Units.GiB)} GiB read per token) · estimate {F1(estimate)} tok/s (× {plan.DecodeEfficiency.ToString("0.00", CultureInfo.InvariantCulture)})");
        }

        if (plan.CostPerHourUsd is { } cost)
        {
            var perMillion = plan.CostPerMillionOutputTokensUsd is { } m ? $" · ${F2(m)} per million output tokens for one stream (batching divides it)" : "";
            w.WriteLine($"Cost         ${F2(cost)}/h ({plan.PriceSource}){perMillion}");
        }

        w.WriteLine($"Minimum GPU  {F2(plan.MinimumGpuMemoryGiB)} GiB per GPU at this utilization, for one {plan.MaxModelLen:N0}-token sequence");

        WriteList(w, "Why vLLM would refuse", plan.Reasons.Select(f => f.Message));
        WriteList(w, "Changes that make it start", plan.Suggestions.Select(s => $"{s.Description}  [{string.Join(' ', s.Arguments)}]"));
        WriteList(w, "Warnings", plan.Warnings.Select(f => f.Message));
        w.WriteLine();
        w.WriteLine(VllmLaunch.ToShellCommand(vllmArgs));
    }

    private static void WriteList(TextWriter w, string title, IEnumerable<string> items)
    {
        var list = items.ToList();
        if (list.Count == 0)
        {
            return;
        }

        w.WriteLine();
        w.WriteLine($"{title}:");
        foreach (var item in list)
        {
            w.WriteLine($"  - {item}");
        }
    }

    internal static string F1(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    internal static string F2(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
