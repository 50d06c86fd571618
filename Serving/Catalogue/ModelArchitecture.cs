namespace Aspire70B.Serving.Catalogue;

/// <summary>
/// The shape of a Llama-family decoder as its Hugging Face <c>config.json</c> describes it, with the parameter
/// counts the planner derives from it. Immutable and thread-safe.
/// </summary>
/// <param name="Id">Catalogue id, e.g. <c>llama-3.1-70b-instruct</c>, or the file name for a config given by path.</param>
/// <param name="DisplayName">Human-readable name.</param>
/// <param name="HiddenSize">Width of the residual stream (<c>hidden_size</c>).</param>
/// <param name="IntermediateSize">Width of the MLP (<c>intermediate_size</c>).</param>
/// <param name="NumLayers">Decoder layers (<c>num_hidden_layers</c>).</param>
/// <param name="NumAttentionHeads">Query heads (<c>num_attention_heads</c>).</param>
/// <param name="NumKeyValueHeads">Key/value heads (<c>num_key_value_heads</c>; grouped-query attention).</param>
/// <param name="HeadDim">Width of one head (<c>head_dim</c>, else hidden / heads).</param>
/// <param name="VocabSize">Vocabulary size (<c>vocab_size</c>).</param>
/// <param name="MaxPositionEmbeddings">The longest context the model supports (<c>max_position_embeddings</c>).</param>
/// <param name="TieWordEmbeddings">Whether the output head shares the embedding table.</param>
/// <param name="ChatTemplateId">The chat template the model was trained with, when known.</param>
public sealed record ModelArchitecture(
    string Id,
    string DisplayName,
    int HiddenSize,
    int IntermediateSize,
    int NumLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int HeadDim,
    int VocabSize,
    int MaxPositionEmbeddings,
    bool TieWordEmbeddings,
    string? ChatTemplateId)
{
    /// <summary>Width of the query projection output (heads × head_dim).</summary>
    public long QueryWidth => (long)NumAttentionHeads * HeadDim;

    /// <summary>Width of one of the key or value projection outputs (KV heads × head_dim).</summary>
    public long KeyValueWidth => (long)NumKeyValueHeads * HeadDim;

    /// <summary>The decoder's Linear layers of one layer, with their input and output widths and how tensor parallelism splits them.</summary>
    public IReadOnlyList<LinearLayer> LinearLayers =>
    [
        new("qkv_proj", HiddenSize, QueryWidth + 2 * KeyValueWidth, LinearParallelism.Column),
        new("o_proj", QueryWidth, HiddenSize, LinearParallelism.Row),
        new("gate_up_proj", HiddenSize, 2L * IntermediateSize, LinearParallelism.Column),
        new("down_proj", IntermediateSize, HiddenSize, LinearParallelism.Row),
    ];

    /// <summary>Parameters in the Linear layers of all decoder layers (the part quantization shrinks).</summary>
    public long LinearParameters => LinearLayers.Sum(l => l.Parameters) * NumLayers;

    /// <summary>Parameters of the input embedding table.</summary>
    public long EmbeddingParameters => (long)VocabSize * HiddenSize;

    /// <summary>Parameters of the output head (zero when tied to the embeddings).</summary>
    public long LmHeadParameters => TieWordEmbeddings ? 0 : (long)VocabSize * HiddenSize;

    /// <summary>RMSNorm weights: two per layer and the final norm.</summary>
    public long NormParameters => (2L * NumLayers + 1) * HiddenSize;

    /// <summary>All parameters, as the model card counts them.</summary>
    public long TotalParameters => LinearParameters + EmbeddingParameters + LmHeadParameters + NormParameters;
}

/// <summary>How tensor parallelism splits a Linear layer.</summary>
public enum LinearParallelism
{
    /// <summary>Output features are split across GPUs (QKV, gate/up).</summary>
    Column,

    /// <summary>Input features are split across GPUs (O, down).</summary>
    Row,
}

/// <summary>One Linear layer of a decoder layer.</summary>
/// <param name="Name">vLLM's name for the fused layer.</param>
/// <param name="InFeatures">Input width.</param>
/// <param name="OutFeatures">Output width.</param>
/// <param name="Parallelism">How tensor parallelism splits it.</param>
public sealed record LinearLayer(string Name, long InFeatures, long OutFeatures, LinearParallelism Parallelism)
{
    /// <summary>Weight elements of the layer.</summary>
    public long Parameters => InFeatures * OutFeatures;
}
