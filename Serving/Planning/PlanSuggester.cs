using System.Globalization;
using Aspire70B.Serving.Catalogue;

namespace Aspire70B.Serving.Planning;

/// <summary>
/// Finds changes that make an infeasible plan start: each candidate is planned again and offered only if vLLM would
/// start with it. Cheap single changes come first; a larger GPU or more of them is the last resort.
/// </summary>
internal static class PlanSuggester
{
    // A shorter context than this is not offered as a fix: few chat requests would fit.
    private const int MinimumUsefulContext = 2048;

    private static readonly int[] TensorParallelSizes = [1, 2, 4, 8];

    public static List<PlanSuggestion> Suggest(DeploymentPlan plan, Func<PlanRequest, DeploymentPlan> evaluate)
    {
        var r = plan.Request;
        var suggestions = new List<PlanSuggestion>();

        void Try(PlanRequest adjusted, Func<DeploymentPlan, string> describe, params string[] arguments)
        {
            var candidate = evaluate(adjusted);
            if (candidate.Feasible && suggestions.TrueForAll(s => !s.Arguments.SequenceEqual(arguments)))
            {
                suggestions.Add(new PlanSuggestion(describe(candidate), arguments, adjusted, candidate.KvCacheTokens));
            }
        }

        string Capacity(DeploymentPlan p) =>
            $"{p.KvCacheTokens:N0} KV tokens, {p.MaxConcurrency.ToString("0.##", CultureInfo.InvariantCulture)} × {p.MaxModelLen:N0}-token sequences";

        if (r.EffectiveMaxModelLen > r.Model.MaxPositionEmbeddings)
        {
            var len = r.Model.MaxPositionEmbeddings;
            Try(r with { MaxModelLen = len }, p => $"Use the model's own maximum context, {len:N0} tokens: {Capacity(p)}.",
                "--max-model-len", Invariant(len));
        }

        // The smallest utilization that starts, keeping room for CUDA graphs outside the budget.
        if (r.KvCacheMemoryGiB is null)
        {
            var ceiling = (int)Math.Floor(Math.Min(0.98, 1 - DeploymentPlanner.CudaGraphHeadroomGiB / r.Gpu.TotalMemoryGiB) * 100);
            var start = (int)Math.Floor(r.GpuMemoryUtilization * 100) + 1;
            if (start <= ceiling && evaluate(r with { GpuMemoryUtilization = ceiling / 100d }).Feasible)
            {
                int low = start, high = ceiling;
                while (low < high)
                {
                    var mid = (low + high) / 2;
                    if (evaluate(r with { GpuMemoryUtilization = mid / 100d }).Feasible)
                    {
                        high = mid;
                    }
                    else
                    {
                        low = mid + 1;
                    }
                }

                var utilization = low / 100d;
                Try(r with { GpuMemoryUtilization = utilization },
                    p => $"Raise --gpu-memory-utilization to {DeploymentPlanner.Fraction(utilization)}: {Capacity(p)}.",
                    "--gpu-memory-utilization", DeploymentPlanner.Fraction(utilization));
            }
        }

        // The longest context the cache holds, when that is still a useful context.
        if (plan.KvCacheTokens >= MinimumUsefulContext)
        {
            var longest = (int)Math.Min(plan.KvCacheTokens, r.Model.MaxPositionEmbeddings);
            Try(r with { MaxModelLen = longest },
                p => $"Lower --max-model-len to {longest:N0}, the longest context the KV cache holds: {Capacity(p)}.",
                "--max-model-len", Invariant(longest));
        }

        if (r.KvCacheDtype == KvCacheDtype.Auto)
        {
            Try(r with { KvCacheDtype = KvCacheDtype.Fp8 },
                p => $"Store the KV cache in FP8 (half the bytes per token): {Capacity(p)}.",
                "--kv-cache-dtype", "fp8");
        }

        if (r.Quantization.LoadsFullPrecisionFirst)
        {
            Try(r with { Quantization = QuantizationCatalog.Fp8 },
                p => $"Serve a pre-quantized FP8 checkpoint instead of quantizing online, so the 16-bit weights are never loaded: {Capacity(p)}.",
                "--quantization", QuantizationCatalog.Fp8.Id);
        }

        var seqs = r.EffectiveScheduler.MaxNumSeqs;
        var fewerSeqs = seqs > 256 ? 256 : seqs > 64 ? 64 : 0;
        if (fewerSeqs > 0)
        {
            Try(r with { MaxNumSeqs = fewerSeqs },
                p => $"Lower --max-num-seqs to {fewerSeqs}, which shrinks the sampler's profiling peak to {DeploymentPlanner.Gib(p.PerGpu.ActivationGiB * Units.GiB)} GiB: {Capacity(p)}.",
                "--max-num-seqs", Invariant(fewerSeqs));
        }

        foreach (var count in TensorParallelSizes.Where(n => n > r.GpuCount))
        {
            var before = suggestions.Count;
            Try(r with { GpuCount = count }, p => $"Split the model over {count} GPUs (tensor parallelism): {Capacity(p)}.",
                "--gpus", Invariant(count));
            if (suggestions.Count > before)
            {
                break;
            }
        }

        if (suggestions.Count == 0)
        {
            // Nothing small works: find the smallest catalogue GPU and count that do, with a context the model supports
            // and an FP8 KV cache if needed.
            var length = Math.Min(r.EffectiveMaxModelLen, r.Model.MaxPositionEmbeddings);
            var options =
                from gpu in GpuCatalog.All
                from count in TensorParallelSizes
                from dtype in new[] { r.KvCacheDtype, KvCacheDtype.Fp8 }.Distinct()
                orderby gpu.TotalMemoryGiB * count, dtype == r.KvCacheDtype ? 0 : 1
                select (gpu, count, dtype);
            foreach (var (gpu, count, dtype) in options)
            {
                var adjusted = r with { Gpu = gpu, GpuCount = count, KvCacheDtype = dtype, MaxModelLen = length };
                List<string> arguments = ["--gpu", gpu.Id, "--gpus", Invariant(count)];
                var extras = new List<string>();
                if (dtype != r.KvCacheDtype)
                {
                    arguments.AddRange(["--kv-cache-dtype", "fp8"]);
                    extras.Add("an FP8 KV cache");
                }

                if (length != r.EffectiveMaxModelLen)
                {
                    arguments.AddRange(["--max-model-len", Invariant(length)]);
                    extras.Add($"a {length:N0}-token context");
                }

                var with = extras.Count > 0 ? " with " + string.Join(" and ", extras) : "";
                Try(adjusted, p => $"Use {count} × {gpu.Id}{with}: {Capacity(p)}.", [.. arguments]);
                if (suggestions.Count > 0)
                {
                    break;
                }
            }
        }

        return suggestions;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
