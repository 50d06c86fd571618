namespace Aspire70B.Serving.Planning;

/// <summary>A reason vLLM would refuse to start, or a caution about a plan that starts.</summary>
/// <param name="Code">A stable identifier, e.g. <c>no-kv-cache-memory</c>.</param>
/// <param name="Message">What is wrong, with the numbers.</param>
public sealed record PlanFinding(string Code, string Message);

/// <summary>A concrete change that makes an infeasible plan feasible, checked by planning it.</summary>
/// <param name="Description">What to change and what it gives.</param>
/// <param name="Arguments">The <c>plan</c> options that apply the change, e.g. <c>["--gpu-memory-utilization", "0.93"]</c>.</param>
/// <param name="Request">The adjusted request.</param>
/// <param name="KvCacheTokens">KV-cache tokens of the adjusted plan.</param>
public sealed record PlanSuggestion(string Description, IReadOnlyList<string> Arguments, PlanRequest Request, long KvCacheTokens);

/// <summary>Memory of one GPU, in GiB.</summary>
/// <param name="TotalGiB">What CUDA reports.</param>
/// <param name="BudgetGiB">Total × utilization: all vLLM may use.</param>
/// <param name="WeightsGiB">Model weights.</param>
/// <param name="ActivationGiB">Peak of the profiling run.</param>
/// <param name="NonTorchGiB">Allocated outside PyTorch.</param>
/// <param name="KvCacheGiB">What is left for the KV cache (negative when nothing is).</param>
public sealed record PerGpuMemory(double TotalGiB, double BudgetGiB, double WeightsGiB, double ActivationGiB, double NonTorchGiB, double KvCacheGiB);

/// <summary>The planner's verdict on a deployment. Immutable and thread-safe.</summary>
public sealed record DeploymentPlan
{
    /// <summary>What was planned.</summary>
    public required PlanRequest Request { get; init; }

    /// <summary>The context length used.</summary>
    public required int MaxModelLen { get; init; }

    /// <summary>The scheduler limits used (the request's or vLLM's defaults).</summary>
    public required SchedulerLimits Scheduler { get; init; }

    /// <summary>Per-GPU memory.</summary>
    public required PerGpuMemory PerGpu { get; init; }

    /// <summary>The weights by part.</summary>
    public required WeightMemory Weights { get; init; }

    /// <summary>The KV-cache layout.</summary>
    public required KvCacheLayout KvLayout { get; init; }

    /// <summary>KV-cache blocks on each GPU.</summary>
    public required long KvCacheBlocks { get; init; }

    /// <summary>Tokens the KV cache holds (blocks × block size).</summary>
    public long KvCacheTokens => KvCacheBlocks * KvLayout.BlockSize;

    /// <summary>Sequences of <see cref="MaxModelLen"/> tokens the cache holds at once, as vLLM logs it.</summary>
    public double MaxConcurrency => KvCacheBlocks / (double)KvLayout.BlocksForSequence(MaxModelLen);

    /// <summary>True when vLLM would start.</summary>
    public bool Feasible => Reasons.Count == 0;

    /// <summary>Every reason vLLM would refuse to start.</summary>
    public required IReadOnlyList<PlanFinding> Reasons { get; init; }

    /// <summary>Cautions about a plan that may start.</summary>
    public required IReadOnlyList<PlanFinding> Warnings { get; init; }

    /// <summary>Changes that make an infeasible plan feasible (empty for a feasible plan).</summary>
    public IReadOnlyList<PlanSuggestion> Suggestions { get; init; } = [];

    /// <summary>The memory-bandwidth ceiling on batch-1 decode speed (tokens/s); null without a bandwidth.</summary>
    public required double? DecodeTokensPerSecondCeiling { get; init; }

    /// <summary>The ceiling × <see cref="DecodeEfficiency"/>; null without a bandwidth.</summary>
    public required double? DecodeTokensPerSecondEstimate { get; init; }

    /// <summary>The share of the bandwidth ceiling real kernels are assumed to reach.</summary>
    public required double DecodeEfficiency { get; init; }

    /// <summary>USD per hour for all GPUs; null when no price is known.</summary>
    public required double? CostPerHourUsd { get; init; }

    /// <summary>Where the price comes from.</summary>
    public required string? PriceSource { get; init; }

    /// <summary>USD per million output tokens for one stream at the estimated speed (batching divides it); null when unknown.</summary>
    public double? CostPerMillionOutputTokensUsd =>
        CostPerHourUsd is { } cost && DecodeTokensPerSecondEstimate is > 0 and { } speed ? cost / (speed * 3600) * 1e6 : null;

    /// <summary>
    /// The smallest GPU memory (GiB, as CUDA reports it) on which this plan starts at its utilization, with room for one
    /// sequence of <see cref="MaxModelLen"/> tokens.
    /// </summary>
    public required double MinimumGpuMemoryGiB { get; init; }
}
