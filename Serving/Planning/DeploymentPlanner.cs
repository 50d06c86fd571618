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
        return plan.Feasible ? plan : plan with { Suggestions = PlanSuggester.Suggest(plan, Evaluate) };
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

    internal static string Gib(double bytes) => (bytes / Units.GiB).ToString("0.00", CultureInfo.InvariantCulture);

    internal static string Fraction(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
