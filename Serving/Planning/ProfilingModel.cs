namespace Aspire70B.Serving.Planning;

/// <summary>
/// What vLLM's profiling run costs beyond the weights: the PyTorch activation peak and the memory allocated outside
/// PyTorch. The constants are calibrated on published start-up logs (see <c>vllm-memory-datapoints.json</c>).
/// </summary>
/// <remarks>
/// The V1 engine profiles one forward pass over <c>max_num_batched_tokens</c> tokens split into
/// <c>min(max_num_seqs, max_num_batched_tokens)</c> dummy requests, then runs the sampler on one row of logits per
/// request. Its peak is the larger of two phases:
/// <list type="bullet">
/// <item>the forward pass: per token the MLP's gate/up output and activation (6 bytes × intermediate / TP) and a
/// few hidden-sized buffers (6 bytes × hidden);</item>
/// <item>the sampler: FP32 logits over the whole vocabulary with their sorted copy, indices, probabilities and
/// masks (≈ 38 bytes per request × vocabulary entry), while the forward's hidden states are still held
/// (≈ 2.6 bytes × hidden per token).</item>
/// </list>
/// At vLLM's H100 defaults (8192 tokens, 1024 requests) the sampler dominates: 4.84 GiB for the 70B at TP 1 and 2,
/// 4.76 GiB for the 8B, as logged. With the forward pass dominating (long prefill batches) the same constants
/// reproduce 2.07 GiB at 20,000 tokens and 2.99 GiB at 29,000 for the 8B.
/// </remarks>
public static class ProfilingModel
{
    /// <summary>Bytes per (request × vocabulary entry) in the sampler's profiling run.</summary>
    public const double SamplerBytesPerLogit = 38.26;

    /// <summary>Bytes per (token × hidden unit) of the forward's hidden states still held while sampling.</summary>
    public const double RetainedBytesPerHiddenUnit = 2.56;

    /// <summary>Bytes per (token × intermediate unit / TP) at the forward pass's MLP peak.</summary>
    public const double ForwardBytesPerIntermediateUnit = 6;

    /// <summary>Bytes per (token × hidden unit) of the forward pass's other live buffers.</summary>
    public const double ForwardBytesPerHiddenUnit = 6;

    /// <summary>Memory outside PyTorch on a single GPU (cuBLAS workspaces, CUDA context growth): 0.13–0.14 GiB logged.</summary>
    public const double NonTorchSingleGpuGiB = 0.14;

    /// <summary>Memory outside PyTorch per GPU with tensor parallelism (NCCL and custom all-reduce buffers): 0.55 GiB logged at TP 2.</summary>
    public const double NonTorchTensorParallelGiB = 0.55;

    /// <summary>The activation peak of the profiling run on one GPU, in bytes.</summary>
    public static double ActivationPeakBytes(Catalogue.ModelArchitecture model, SchedulerLimits scheduler, int tensorParallelSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scheduler);
        double tokens = scheduler.MaxNumBatchedTokens;
        double requests = Math.Min(scheduler.MaxNumSeqs, scheduler.MaxNumBatchedTokens);
        var forward = tokens * (ForwardBytesPerIntermediateUnit * model.IntermediateSize / tensorParallelSize
                                + ForwardBytesPerHiddenUnit * model.HiddenSize);
        // With tensor parallelism the logits are gathered, so every GPU samples over the whole vocabulary.
        var sampling = requests * model.VocabSize * SamplerBytesPerLogit
                       + tokens * model.HiddenSize * RetainedBytesPerHiddenUnit;
        return Math.Max(forward, sampling);
    }

    /// <summary>Memory allocated outside PyTorch on one GPU, in bytes.</summary>
    public static double NonTorchBytes(int tensorParallelSize) =>
        (tensorParallelSize > 1 ? NonTorchTensorParallelGiB : NonTorchSingleGpuGiB) * Units.GiB;
}
