namespace Aspire70B.Serving.Catalogue;

/// <summary>The quantization formats Aspire70B plans for.</summary>
public static class QuantizationCatalog
{
    private static readonly ComputeCapability Turing = new(7, 5);
    private static readonly ComputeCapability Ampere = new(8, 0);
    private static readonly ComputeCapability Ada = new(8, 9);

    /// <summary>BF16 checkpoint, no quantization.</summary>
    public static QuantizationFormat Bf16 { get; } = new(
        "bf16", "BF16 weights and activations (the reference checkpoint)", WeightScheme.Dense16,
        null, "bfloat16", Ampere, Ampere, LoadsFullPrecisionFirst: false);

    /// <summary>FP16 checkpoint, no quantization.</summary>
    public static QuantizationFormat Fp16 { get; } = new(
        "fp16", "FP16 weights and activations", WeightScheme.Dense16,
        null, "float16", Turing, Turing, LoadsFullPrecisionFirst: false);

    /// <summary>A pre-quantized FP8 W8A8 checkpoint (compressed-tensors, e.g. RedHatAI's -FP8 models).</summary>
    public static QuantizationFormat Fp8 { get; } = new(
        "fp8", "FP8 W8A8 pre-quantized checkpoint (compressed-tensors); weight-only FP8 Marlin below compute capability 8.9",
        WeightScheme.Int8PerChannel, "compressed-tensors", "auto", Ada, Ampere, LoadsFullPrecisionFirst: false);

    /// <summary>vLLM's online FP8: a BF16 checkpoint quantized while loading.</summary>
    public static QuantizationFormat Fp8Online { get; } = new(
        "fp8-online", "vLLM's online FP8 (--quantization fp8) of a BF16 checkpoint: loads the full BF16 weights first",
        WeightScheme.Fp8PerTensorOnline, "fp8", "auto", Ada, Ampere, LoadsFullPrecisionFirst: true);

    /// <summary>A pre-quantized INT8 W8A8 checkpoint (compressed-tensors).</summary>
    public static QuantizationFormat Int8W8A8 { get; } = new(
        "int8", "INT8 W8A8 pre-quantized checkpoint (compressed-tensors, per-channel weight scales)",
        WeightScheme.Int8PerChannel, "compressed-tensors", "auto", Turing, Turing, LoadsFullPrecisionFirst: false);

    /// <summary>AWQ INT4, group size 128.</summary>
    public static QuantizationFormat AwqInt4 { get; } = new(
        "awq-int4", "AWQ 4-bit weights, group size 128, FP16 activations (Marlin kernel)",
        WeightScheme.Int4Group128, "awq_marlin", "auto", null, Ampere, LoadsFullPrecisionFirst: false);

    /// <summary>GPTQ INT4, group size 128.</summary>
    public static QuantizationFormat GptqInt4 { get; } = new(
        "gptq-int4", "GPTQ 4-bit weights, group size 128, FP16 activations (Marlin kernel)",
        WeightScheme.Int4Group128WithGroupIndex, "gptq_marlin", "auto", null, Ampere, LoadsFullPrecisionFirst: false);

    /// <summary>Every format in the catalogue.</summary>
    public static IReadOnlyList<QuantizationFormat> All { get; } = [Bf16, Fp16, Fp8, Fp8Online, Int8W8A8, AwqInt4, GptqInt4];

    /// <summary>Finds a format by id (case-insensitive).</summary>
    /// <exception cref="CatalogueException">The id is unknown; the message lists the valid ids.</exception>
    public static QuantizationFormat Get(string id) =>
        All.FirstOrDefault(q => string.Equals(q.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw CatalogueException.Unknown("quantization", id, All.Select(q => q.Id));
}
