using Aspire70B.Serving.Catalogue;

namespace Aspire70B.Serving.Planning;

/// <summary>The bytes of a model's weights on one GPU, by part.</summary>
/// <param name="LinearBytes">Decoder Linear weights with their quantization scales, zero points and indices.</param>
/// <param name="EmbeddingBytes">The input embedding table (16-bit, vocabulary-parallel).</param>
/// <param name="LmHeadBytes">The output head (16-bit, vocabulary-parallel).</param>
/// <param name="ReplicatedBytes">Norm weights and the rotary cos/sin cache, held whole on every GPU.</param>
public sealed record WeightMemory(double LinearBytes, double EmbeddingBytes, double LmHeadBytes, double ReplicatedBytes)
{
    /// <summary>All weight bytes on one GPU: what vLLM logs as "Model loading took".</summary>
    public double TotalBytes => LinearBytes + EmbeddingBytes + LmHeadBytes + ReplicatedBytes;

    /// <summary>Bytes read for every generated token at batch 1: everything but the embedding table, of which one row is read.</summary>
    public double StreamedPerTokenBytes => TotalBytes - EmbeddingBytes;

    // vLLM pads the vocabulary to a multiple of 64 before splitting it across GPUs.
    private const int VocabPadding = 64;

    // AWQ and GPTQ checkpoints here use groups of 128 input channels.
    private const int GroupSize = 128;

    /// <summary>Estimates the weights of <paramref name="model"/> in <paramref name="scheme"/> on each of <paramref name="tensorParallelSize"/> GPUs.</summary>
    public static WeightMemory Estimate(ModelArchitecture model, WeightScheme scheme, int tensorParallelSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(tensorParallelSize, 1);

        double tp = tensorParallelSize;
        double linear = 0;
        foreach (var layer in model.LinearLayers)
        {
            var elements = layer.Parameters / tp;
            var outPerGpu = layer.Parallelism == LinearParallelism.Column ? layer.OutFeatures / tp : layer.OutFeatures;
            var inPerGpu = layer.Parallelism == LinearParallelism.Row ? layer.InFeatures / tp : layer.InFeatures;
            linear += scheme switch
            {
                WeightScheme.Dense16 => elements * 2,
                // One FP32 scale per output channel; row-parallel layers keep every output channel.
                WeightScheme.Int8PerChannel => elements + outPerGpu * 4,
                // One FP32 weight scale and one input scale per layer.
                WeightScheme.Fp8PerTensorOnline => elements + 8,
                // Packed 4-bit weights; per group an FP16 scale and a 4-bit zero point for every output channel.
                WeightScheme.Int4Group128 => elements / 2 + inPerGpu / GroupSize * outPerGpu * 2.5,
                // GPTQ adds an INT32 group index per input channel.
                WeightScheme.Int4Group128WithGroupIndex => elements / 2 + inPerGpu / GroupSize * outPerGpu * 2.5 + inPerGpu * 4,
                _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown weight scheme."),
            };
        }

        linear *= model.NumLayers;
        var paddedVocab = Math.Ceiling(model.VocabSize / (double)VocabPadding) * VocabPadding;
        var vocabPerGpu = Math.Ceiling(paddedVocab / tp);
        var embedding = vocabPerGpu * model.HiddenSize * 2;
        var lmHead = model.TieWordEmbeddings ? 0 : embedding;
        // Norms stay 16-bit; the rotary cos/sin cache covers every position at head_dim, in the model's dtype.
        var replicated = model.NormParameters * 2d + (double)model.MaxPositionEmbeddings * model.HeadDim * 2;
        return new WeightMemory(linear, embedding, lmHead, replicated);
    }
}
