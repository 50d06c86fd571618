namespace Aspire70B.Serving.Catalogue;

/// <summary>How a checkpoint stores the decoder's Linear weights, which decides their size in memory.</summary>
public enum WeightScheme
{
    /// <summary>16-bit weights (BF16 or FP16).</summary>
    Dense16,

    /// <summary>8-bit weights with one FP32 scale per output channel (pre-quantized FP8 or INT8 W8A8).</summary>
    Int8PerChannel,

    /// <summary>8-bit weights with one scale per tensor (vLLM's online FP8 of a 16-bit checkpoint).</summary>
    Fp8PerTensorOnline,

    /// <summary>4-bit weights, group size 128, one FP16 scale and one 4-bit zero point per group (AWQ).</summary>
    Int4Group128,

    /// <summary>As <see cref="Int4Group128"/>, plus GPTQ's INT32 group index per input channel.</summary>
    Int4Group128WithGroupIndex,
}

/// <summary>Whether a GPU runs a quantization format, and how.</summary>
public enum KernelSupport
{
    /// <summary>Weights and activations in the format (e.g. FP8 tensor cores on Hopper).</summary>
    Native,

    /// <summary>Weights stored quantized and expanded to 16 bits in the kernel (Marlin); memory saved, compute in 16 bits.</summary>
    WeightOnly,

    /// <summary>vLLM has no kernel for this GPU.</summary>
    Unsupported,
}

/// <summary>A quantization format of the catalogue. Immutable and thread-safe.</summary>
/// <param name="Id">Catalogue id, e.g. <c>awq-int4</c>.</param>
/// <param name="Description">What the format is.</param>
/// <param name="Scheme">How the Linear weights are stored.</param>
/// <param name="VllmQuantization">The value of vLLM's <c>--quantization</c> flag, or null when none is passed.</param>
/// <param name="VllmDtype">The value of vLLM's <c>--dtype</c> flag (activations and the 16-bit parts).</param>
/// <param name="NativeFrom">The lowest compute capability that runs the format natively, or null when it is never native.</param>
/// <param name="WeightOnlyFrom">The lowest compute capability that runs it weight-only.</param>
/// <param name="LoadsFullPrecisionFirst">Whether vLLM loads the whole 16-bit checkpoint before quantizing (online quantization).</param>
public sealed record QuantizationFormat(
    string Id,
    string Description,
    WeightScheme Scheme,
    string? VllmQuantization,
    string VllmDtype,
    ComputeCapability? NativeFrom,
    ComputeCapability WeightOnlyFrom,
    bool LoadsFullPrecisionFirst)
{
    /// <summary>How <paramref name="gpu"/> runs this format.</summary>
    public KernelSupport SupportOn(GpuSpec gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        if (NativeFrom is { } native && gpu.ComputeCapability.AtLeast(native))
        {
            return KernelSupport.Native;
        }

        return gpu.ComputeCapability.AtLeast(WeightOnlyFrom) ? KernelSupport.WeightOnly : KernelSupport.Unsupported;
    }
}
