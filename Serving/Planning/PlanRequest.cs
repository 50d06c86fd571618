using Aspire70B.Serving.Catalogue;

namespace Aspire70B.Serving.Planning;

/// <summary>The data type of the KV cache.</summary>
public enum KvCacheDtype
{
    /// <summary>The model's activation dtype (16 bits).</summary>
    Auto,

    /// <summary>FP8 (E4M3): half the bytes per token.</summary>
    Fp8,
}

/// <summary>
/// What to plan: a model in a quantization format on a number of GPUs with vLLM's memory settings. Unset values
/// take vLLM's defaults. Immutable; use <c>with</c> to vary it.
/// </summary>
public sealed record PlanRequest
{
    /// <summary>vLLM's default <c>--gpu-memory-utilization</c> (v0.11).</summary>
    public const double DefaultGpuMemoryUtilization = 0.9;

    /// <summary>vLLM's default KV-cache block size in tokens.</summary>
    public const int DefaultBlockSize = 16;

    /// <summary>The model.</summary>
    public required ModelArchitecture Model { get; init; }

    /// <summary>The checkpoint's quantization format.</summary>
    public required QuantizationFormat Quantization { get; init; }

    /// <summary>The GPU type.</summary>
    public required GpuSpec Gpu { get; init; }

    /// <summary>GPUs used by tensor parallelism (<c>--tensor-parallel-size</c>).</summary>
    public int GpuCount { get; init; } = 1;

    /// <summary>Share of each GPU's memory vLLM may use (<c>--gpu-memory-utilization</c>).</summary>
    public double GpuMemoryUtilization { get; init; } = DefaultGpuMemoryUtilization;

    /// <summary>Context length (<c>--max-model-len</c>); null means the model's maximum, as vLLM does.</summary>
    public int? MaxModelLen { get; init; }

    /// <summary>KV-cache data type (<c>--kv-cache-dtype</c>).</summary>
    public KvCacheDtype KvCacheDtype { get; init; } = KvCacheDtype.Auto;

    /// <summary>Tokens per scheduler step (<c>--max-num-batched-tokens</c>); null means vLLM's default for the GPU.</summary>
    public int? MaxNumBatchedTokens { get; init; }

    /// <summary>Concurrent sequences (<c>--max-num-seqs</c>); null means vLLM's default for the GPU.</summary>
    public int? MaxNumSeqs { get; init; }

    /// <summary>KV-cache memory per GPU in GiB, bypassing profiling as vLLM's <c>--kv-cache-memory-bytes</c> does.</summary>
    public double? KvCacheMemoryGiB { get; init; }

    /// <summary>KV-cache block size in tokens (<c>--block-size</c>).</summary>
    public int BlockSize { get; init; } = DefaultBlockSize;

    /// <summary>Price per GPU-hour in USD, overriding the price table.</summary>
    public double? UsdPerGpuHour { get; init; }

    /// <summary>The context length the plan uses: <see cref="MaxModelLen"/> or the model's maximum.</summary>
    public int EffectiveMaxModelLen => MaxModelLen ?? Model.MaxPositionEmbeddings;

    /// <summary>The scheduler limits the plan uses: the request's, or vLLM's defaults for the GPU.</summary>
    public SchedulerLimits EffectiveScheduler
    {
        get
        {
            var defaults = SchedulerLimits.VllmDefaultsFor(Gpu);
            return new SchedulerLimits(MaxNumBatchedTokens ?? defaults.MaxNumBatchedTokens, MaxNumSeqs ?? defaults.MaxNumSeqs);
        }
    }

    /// <summary>Checks that every number is in the range vLLM accepts.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the parameter name is the vLLM option.</exception>
    public void Validate()
    {
        if (GpuCount is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException("--gpus", GpuCount, "The GPU count must be between 1 and 64.");
        }

        if (!(GpuMemoryUtilization is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException("--gpu-memory-utilization", GpuMemoryUtilization, "The GPU memory utilization must be in (0, 1].");
        }

        if (MaxModelLen is < 1)
        {
            throw new ArgumentOutOfRangeException("--max-model-len", MaxModelLen, "The context length must be at least 1.");
        }

        if (MaxNumBatchedTokens is < 1)
        {
            throw new ArgumentOutOfRangeException("--max-num-batched-tokens", MaxNumBatchedTokens, "The batched-token limit must be at least 1.");
        }

        if (MaxNumSeqs is < 1)
        {
            throw new ArgumentOutOfRangeException("--max-num-seqs", MaxNumSeqs, "The sequence limit must be at least 1.");
        }

        if (KvCacheMemoryGiB is { } kv && !(kv >= 0 && double.IsFinite(kv)))
        {
            throw new ArgumentOutOfRangeException("--kv-cache-memory-gib", KvCacheMemoryGiB, "The KV-cache memory must be a non-negative number of GiB.");
        }

        if (BlockSize is not (1 or 8 or 16 or 32 or 64 or 128))
        {
            throw new ArgumentOutOfRangeException("--block-size", BlockSize, "The block size must be 1, 8, 16, 32, 64 or 128.");
        }

        if (UsdPerGpuHour is { } price && !(price >= 0 && double.IsFinite(price)))
        {
            throw new ArgumentOutOfRangeException("--usd-per-gpu-hour", UsdPerGpuHour, "The price must be a non-negative number.");
        }
    }
}

/// <summary>The scheduler's per-step limits, which size the profiling run.</summary>
/// <param name="MaxNumBatchedTokens">Tokens per step.</param>
/// <param name="MaxNumSeqs">Sequences per step.</param>
public sealed record SchedulerLimits(int MaxNumBatchedTokens, int MaxNumSeqs)
{
    /// <summary>
    /// vLLM's defaults for its OpenAI server (v0.9 – v0.11): 8192 tokens and 1024 sequences on GPUs with at least
    /// 70 GiB that are not A100s (vLLM checks the device name, since large batches slowed A100s down);
    /// 2048 tokens and 256 sequences elsewhere.
    /// </summary>
    public static SchedulerLimits VllmDefaultsFor(GpuSpec gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        var large = gpu.TotalMemoryGiB >= 70 && !gpu.DeviceName.Contains("a100", StringComparison.OrdinalIgnoreCase);
        return large ? new SchedulerLimits(8192, 1024) : new SchedulerLimits(2048, 256);
    }
}
