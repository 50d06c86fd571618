using System.Text.Json;

namespace Aspire70B.Serving.Catalogue;

/// <summary>The models Aspire70B knows by name, and a reader for any Llama-family <c>config.json</c>.</summary>
public static class ModelCatalog
{
    /// <summary>Meta Llama 3.1 70B Instruct.</summary>
    public static ModelArchitecture Llama31Instruct70B { get; } = new(
        "llama-3.1-70b-instruct", "Llama 3.1 70B Instruct",
        HiddenSize: 8192, IntermediateSize: 28672, NumLayers: 80, NumAttentionHeads: 64, NumKeyValueHeads: 8,
        HeadDim: 128, VocabSize: 128256, MaxPositionEmbeddings: 131072, TieWordEmbeddings: false,
        ChatTemplateId: "llama-3.1-instruct");

    /// <summary>Meta Llama 3.1 8B Instruct.</summary>
    public static ModelArchitecture Llama31Instruct8B { get; } = new(
        "llama-3.1-8b-instruct", "Llama 3.1 8B Instruct",
        HiddenSize: 4096, IntermediateSize: 14336, NumLayers: 32, NumAttentionHeads: 32, NumKeyValueHeads: 8,
        HeadDim: 128, VocabSize: 128256, MaxPositionEmbeddings: 131072, TieWordEmbeddings: false,
        ChatTemplateId: "llama-3.1-instruct");

    /// <summary>Meta Llama 2 70B Chat.</summary>
    public static ModelArchitecture Llama2Chat70B { get; } = new(
        "llama-2-70b-chat", "Llama 2 70B Chat",
        HiddenSize: 8192, IntermediateSize: 28672, NumLayers: 80, NumAttentionHeads: 64, NumKeyValueHeads: 8,
        HeadDim: 128, VocabSize: 32000, MaxPositionEmbeddings: 4096, TieWordEmbeddings: false,
        ChatTemplateId: "llama-2-chat");

    // Dense decoders with Llama's layout (RMSNorm, grouped-query attention, gated MLP): their memory follows the same
    // arithmetic. Qwen's QKV biases and per-head norms are a few MiB and left out.
    private static readonly HashSet<string> LlamaFamilyModelTypes = new(StringComparer.Ordinal) { "llama", "mistral", "qwen2", "qwen3" };

    /// <summary>Every model in the catalogue.</summary>
    public static IReadOnlyList<ModelArchitecture> All { get; } = [Llama31Instruct70B, Llama31Instruct8B, Llama2Chat70B];

    /// <summary>Finds a model by id (case-insensitive).</summary>
    /// <exception cref="CatalogueException">The id is unknown; the message lists the valid ids.</exception>
    public static ModelArchitecture Get(string id) =>
        All.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw CatalogueException.Unknown("model", id, All.Select(m => m.Id));

    /// <summary>Reads a Llama-family Hugging Face <c>config.json</c> from a file.</summary>
    /// <exception cref="CatalogueException">The file is missing, is not JSON, or does not describe a Llama-family decoder.</exception>
    public static ModelArchitecture FromConfigFile(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CatalogueException($"Cannot read model config '{path}': {e.Message}", e);
        }

        var id = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) is { Length: > 0 } folder ? folder : path;
        return FromConfigJson(json, id);
    }

    /// <summary>Reads a Llama-family Hugging Face <c>config.json</c> from its text.</summary>
    /// <param name="json">The file's content.</param>
    /// <param name="id">The id to give the model (usually its folder or repository name).</param>
    /// <exception cref="CatalogueException">The text is not JSON or does not describe a Llama-family decoder.</exception>
    public static ModelArchitecture FromConfigJson(string json, string id)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new CatalogueException($"Model config '{id}' is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CatalogueException($"Model config '{id}' must be a JSON object.");
            }

            var modelType = root.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String
                ? type.GetString()
                : null;
            if (modelType is null || !LlamaFamilyModelTypes.Contains(modelType))
            {
                throw new CatalogueException(
                    $"Model config '{id}' has model_type '{modelType ?? "(none)"}'; the planner models Llama-family decoders (model_type {string.Join(", ", LlamaFamilyModelTypes.Order(StringComparer.Ordinal))}).");
            }

            // Some configs (multimodal wrappers) nest the decoder under text_config.
            var text = root.TryGetProperty("text_config", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : root;
            var hidden = RequiredInt(text, "hidden_size", id);
            var heads = RequiredInt(text, "num_attention_heads", id);
            var headDim = OptionalInt(text, "head_dim") ?? hidden / heads;
            return new ModelArchitecture(
                id,
                id,
                HiddenSize: hidden,
                IntermediateSize: RequiredInt(text, "intermediate_size", id),
                NumLayers: RequiredInt(text, "num_hidden_layers", id),
                NumAttentionHeads: heads,
                NumKeyValueHeads: OptionalInt(text, "num_key_value_heads") ?? heads,
                HeadDim: headDim,
                VocabSize: RequiredInt(text, "vocab_size", id),
                MaxPositionEmbeddings: OptionalInt(text, "max_position_embeddings") ?? 2048,
                TieWordEmbeddings: text.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True,
                ChatTemplateId: null);
        }
    }

    private static int RequiredInt(JsonElement element, string name, string id) =>
        OptionalInt(element, name) ?? throw new CatalogueException($"Model config '{id}' lacks a positive integer '{name}'.");

    private static int? OptionalInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt32(out var number) && number > 0
            ? number
            : null;
}
