using System.Globalization;
using Aspire70B.Serving.Catalogue;

namespace Aspire70B.Serving.Planning;

/// <summary>
/// Reproduces vLLM's start-up arithmetic (V1 engine, v0.9 – v0.11): per-GPU budget, weights, profiling peak,
/// memory outside PyTorch, KV-cache blocks, and every reason vLLM would refuse to start, with changes that fix an
/// infeasible plan. Stateless and thread-safe.
/// </summary>
public sealed class DeploymentPlanner
{
    /// <summary>The share of the batch-1 bandwidth ceiling one GPU reaches (real kernels reach 60–85 %; an H200 streaming read reached 88 %).</summary>
    public const double SingleGpuDecodeEfficiency = 0.75;

    /// <summary>The share reached with tensor parallelism, which adds two all-reduces per layer (70B BF16 on 2 × A100 PCIe: ~17 of 28 tok/s).</summary>
    public const double TensorParallelDecodeEfficiency = 0.62;

    /// <summary>Free memory kept outside the budget for CUDA graphs, which v0.11 captures after the KV cache is allocated.</summary>
    public const double CudaGraphHeadroomGiB = 1.0;

    // A shorter context than this is not offered as a fix: few chat requests would fit.
    private const int MinimumUsefulContext = 2048;

    private static readonly int[] TensorParallelSizes = [1, 2, 4, 8];

    private readonly GpuPriceTable _prices;

    /// <summary>Creates a planner that prices GPUs from <paramref name="prices"/> (Modal's list prices by default).</summary>
    public DeploymentPlanner(GpuPriceTable? prices = null) => _prices = prices ?? GpuPriceTable.ModalDefaults;

    /// <summary>Plans <paramref name="request"/>; an infeasible plan carries its reasons and suggestions.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number in the request is out of range.</exception>
    public DeploymentPlan Plan(PlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var plan = Evaluate(request);
        return plan.Feasible ? plan : plan with { Suggestions = Suggest(plan) };
    }

    private DeploymentPlan Evaluate(PlanRequest r)
    {
        var model = r.Model;
        var tp = r.GpuCount;
        var weights = WeightMemory.Estimate(model, r.Quantization.Scheme, tp);
        var scheduler = r.EffectiveScheduler;
        var activation = ProfilingModel.ActivationPeakBytes(model, scheduler, tp);
        var nonTorch = ProfilingModel.NonTorchBytes(tp);
        var total = r.Gpu.TotalMemoryBytes;
        var budget = total * r.GpuMemoryUtilization;
        var kvBytes = r.KvCacheMemoryGiB is { } given ? given * Units.GiB : budget - weights.TotalBytes - activation - nonTorch;
        var layout = KvCacheLayout.For(model, tp, r.KvCacheDtype, r.BlockSize);
        var blocks = layout.BlocksFor(kvBytes);
        var maxModelLen = r.EffectiveMaxModelLen;
        var neededBlocks = layout.BlocksForSequence(maxModelLen);

        var reasons = new List<PlanFinding>();
        var warnings = new List<PlanFinding>();
        var support = r.Quantization.SupportOn(r.Gpu);
        if (support == KernelSupport.Unsupported)
        {
            reasons.Add(new("quantization-unsupported",
                $"{r.Gpu.Id} (compute capability {r.Gpu.ComputeCapability}) has no vLLM kernel for {r.Quantization.Id}."));
        }
        else if (support == KernelSupport.WeightOnly && r.Quantization.NativeFrom is not null)
        {
            warnings.Add(new("weight-only-kernel",
                $"{r.Gpu.Id} (compute capability {r.Gpu.ComputeCapability}) runs {r.Quantization.Id} weight-only: memory is saved, compute stays 16-bit (native from {r.Quantization.NativeFrom})."));
        }

        if (model.NumAttentionHeads % tp != 0)
        {
            reasons.Add(new("tensor-parallel-heads",
                $"Total number of attention heads ({model.NumAttentionHeads}) must be divisible by tensor parallel size ({tp})."));
        }
        else if (model.NumKeyValueHeads % tp != 0 && tp % model.NumKeyValueHeads != 0)
        {
            reasons.Add(new("tensor-parallel-heads",
                $"The {model.NumKeyValueHeads} KV heads can neither be split nor replicated evenly across {tp} GPUs."));
        }

        if (maxModelLen > model.MaxPositionEmbeddings)
        {
            reasons.Add(new("max-model-len-exceeds-model",
                $"max_model_len {maxModelLen} is greater than the model's max_position_embeddings ({model.MaxPositionEmbeddings})."));
        }

        if (r.Quantization.LoadsFullPrecisionFirst)
        {
            var fullPrecision = WeightMemory.Estimate(model, WeightScheme.Dense16, tp).TotalBytes;
            if (fullPrecision + nonTorch > total)
            {
                reasons.Add(new("online-fp8-load-peak",
                    $"Online FP8 loads the 16-bit checkpoint first: {Gib(fullPrecision)} GiB per GPU, more than the GPU's {Gib(total)} GiB (CUDA out of memory while loading)."));
            }
        }

        if (r.KvCacheMemoryGiB is null && kvBytes <= 0)
        {
            var why = weights.TotalBytes > budget
                ? $"the weights alone ({Gib(weights.TotalBytes)} GiB per GPU) exceed the budget of {Gib(budget)} GiB ({Fraction(r.GpuMemoryUtilization)} × {Gib(total)} GiB)"
                : $"budget {Gib(budget)} GiB − weights {Gib(weights.TotalBytes)} − activation peak {Gib(activation)} − non-torch {Gib(nonTorch)} = {Gib(kvBytes)} GiB";
            reasons.Add(new("no-kv-cache-memory", $"No available memory for the cache blocks: {why}."));
        }
        else if (blocks < neededBlocks)
        {
            reasons.Add(new("kv-cache-below-max-model-len",
                $"The KV cache holds {blocks * layout.BlockSize:N0} tokens ({blocks:N0} blocks of {layout.BlockSize}), fewer than max_model_len {maxModelLen:N0}: one full-length request would not fit."));
        }

        if (r.KvCacheMemoryGiB is not null && weights.TotalBytes + kvBytes + activation + nonTorch > total)
        {
            reasons.Add(new("exceeds-gpu-memory",
                $"Weights {Gib(weights.TotalBytes)} + KV cache {Gib(kvBytes)} + activation peak {Gib(activation)} + non-torch {Gib(nonTorch)} GiB exceed the GPU's {Gib(total)} GiB."));
        }

        if (r.KvCacheMemoryGiB is null && total - budget < CudaGraphHeadroomGiB * Units.GiB)
        {
            warnings.Add(new("cuda-graph-headroom",
                $"Only {Gib(total - budget)} GiB stay outside the budget; CUDA graphs are captured there and may run out of memory (lower the utilization or pass --enforce-eager)."));
        }

        double? ceiling = r.Gpu.MemoryBandwidthTBps > 0 ? r.Gpu.MemoryBandwidthTBps * Units.TBps / weights.StreamedPerTokenBytes : null;
        if (ceiling is null)
        {
            warnings.Add(new("no-bandwidth", "No memory bandwidth is known for this GPU, so no decode speed or token cost is given."));
        }

        var efficiency = tp == 1 ? SingleGpuDecodeEfficiency : TensorParallelDecodeEfficiency;
        var price = r.UsdPerGpuHour is { } usd ? new GpuPrice(usd, "given") : _prices.Find(r.Gpu);
        if (price is null)
        {
            warnings.Add(new("no-price", $"No price is known for {r.Gpu.Id}; pass one to get costs."));
        }

        var oneSequence = (double)neededBlocks * layout.PageBytes * layout.NumLayers;
        var minimum = (weights.TotalBytes + activation + nonTorch + oneSequence) / r.GpuMemoryUtilization;
        if (r.Quantization.LoadsFullPrecisionFirst)
        {
            minimum = Math.Max(minimum, WeightMemory.Estimate(model, WeightScheme.Dense16, tp).TotalBytes + nonTorch);
        }

        return new DeploymentPlan
        {
            Request = r,
            MaxModelLen = maxModelLen,
            Scheduler = scheduler,
            PerGpu = new PerGpuMemory(
                total / Units.GiB, budget / Units.GiB, weights.TotalBytes / Units.GiB, activation / Units.GiB, nonTorch / Units.GiB, kvBytes / Units.GiB),
            Weights = weights,
            KvLayout = layout,
            KvCacheBlocks = blocks,
            Reasons = reasons,
            Warnings = warnings,
            DecodeTokensPerSecondCeiling = ceiling,
            DecodeTokensPerSecondEstimate = ceiling * efficiency,
            DecodeEfficiency = efficiency,
            CostPerHourUsd = price?.UsdPerGpuHour * tp,
            PriceSource = price?.Source,
            MinimumGpuMemoryGiB = minimum / Units.GiB,
        };
    }

    private List<PlanSuggestion> Suggest(DeploymentPlan plan)
    {
        var r = plan.Request;
        var suggestions = new List<PlanSuggestion>();

        void Try(PlanRequest adjusted, Func<DeploymentPlan, string> describe, params string[] arguments)
        {
            var candidate = Evaluate(adjusted);
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
            var ceiling = (int)Math.Floor(Math.Min(0.98, 1 - CudaGraphHeadroomGiB / r.Gpu.TotalMemoryGiB) * 100);
            var start = (int)Math.Floor(r.GpuMemoryUtilization * 100) + 1;
            if (start <= ceiling && Evaluate(r with { GpuMemoryUtilization = ceiling / 100d }).Feasible)
            {
                int low = start, high = ceiling;
                while (low < high)
                {
                    var mid = (low + high) / 2;
                    if (Evaluate(r with { GpuMemoryUtilization = mid / 100d }).Feasible)
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
                    p => $"Raise --gpu-memory-utilization to {Fraction(utilization)}: {Capacity(p)}.",
                    "--gpu-memory-utilization", Fraction(utilization));
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
                p => $"Lower --max-num-seqs to {fewerSeqs}, which shrinks the sampler's profiling peak to {Gib(p.PerGpu.ActivationGiB * Units.GiB)} GiB: {Capacity(p)}.",
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

    private static string Gib(double bytes) => (bytes / Units.GiB).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Fraction(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
