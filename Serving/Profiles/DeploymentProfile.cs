using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;

namespace Aspire70B.Serving.Profiles;

/// <summary>
/// A named deployment: the one definition the planner checks, the AppHost launches, ApiService enforces and the
/// Simulator emulates. Immutable and thread-safe.
/// </summary>
public sealed record DeploymentProfile
{
    /// <summary>Profile name, e.g. <c>awq-int4-a100</c>.</summary>
    public required string Name { get; init; }

    /// <summary>What the profile is for, and its verdict where it is the guide's variant.</summary>
    public required string Description { get; init; }

    /// <summary>The model name clients send (<c>--served-model-name</c>).</summary>
    public required string ServedModelName { get; init; }

    /// <summary>The Hugging Face repository vLLM loads.</summary>
    public required string HuggingFaceRepo { get; init; }

    /// <summary>Other checkpoints that fit the profile, with a note on each.</summary>
    public IReadOnlyList<string> AlternativeRepos { get; init; } = [];

    /// <summary>The model architecture.</summary>
    public required ModelArchitecture Model { get; init; }

    /// <summary>The checkpoint's quantization.</summary>
    public required QuantizationFormat Quantization { get; init; }

    /// <summary>The chat template id the gateway applies.</summary>
    public required string ChatTemplateId { get; init; }

    /// <summary>The GPU type.</summary>
    public required GpuSpec Gpu { get; init; }

    /// <summary>GPUs (tensor parallel size).</summary>
    public int GpuCount { get; init; } = 1;

    /// <summary><c>--gpu-memory-utilization</c>.</summary>
    public double GpuMemoryUtilization { get; init; } = PlanRequest.DefaultGpuMemoryUtilization;

    /// <summary><c>--max-model-len</c>.</summary>
    public required int MaxModelLen { get; init; }

    /// <summary><c>--kv-cache-dtype</c>.</summary>
    public KvCacheDtype KvCacheDtype { get; init; } = KvCacheDtype.Auto;

    /// <summary><c>--max-num-seqs</c>; null for vLLM's default.</summary>
    public int? MaxNumSeqs { get; init; }

    /// <summary><c>--max-num-batched-tokens</c>; null for vLLM's default.</summary>
    public int? MaxNumBatchedTokens { get; init; }

    /// <summary>
    /// On Modal, the most containers that may run at once (Modal's <c>max_containers</c>): the bound on what a burst of
    /// requests can cost. One by default; raise it for more throughput at a higher cost ceiling.
    /// </summary>
    public int ModalMaxContainers { get; init; } = 1;

    /// <summary>For the original guide's settings kept for comparison: the profile that corrects them.</summary>
    public string? GuideVariantOf { get; init; }

    /// <summary>The planner's request for this profile.</summary>
    public PlanRequest ToPlanRequest() => new()
    {
        Model = Model,
        Quantization = Quantization,
        Gpu = Gpu,
        GpuCount = GpuCount,
        GpuMemoryUtilization = GpuMemoryUtilization,
        MaxModelLen = MaxModelLen,
        KvCacheDtype = KvCacheDtype,
        MaxNumSeqs = MaxNumSeqs,
        MaxNumBatchedTokens = MaxNumBatchedTokens,
    };
}
