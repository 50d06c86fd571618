namespace Aspire70B.ApiService.Backend;

/// <summary>What the gateway asks the model server for: a text completion of an already rendered prompt.</summary>
internal sealed record CompletionRequest
{
    public required string Model { get; init; }

    /// <summary>The exact prompt, special tokens included (sent with <c>add_special_tokens: false</c>).</summary>
    public required string Prompt { get; init; }

    public required int MaxTokens { get; init; }

    public int N { get; init; } = 1;

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    public double? MinP { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    public double? RepetitionPenalty { get; init; }

    public long? Seed { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>The chat template's end-of-turn tokens.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>
    /// vLLM 0.11's <c>structured_outputs</c> object (raw JSON), when tool_choice or response_format constrain the output.
    /// </summary>
    public string? StructuredOutputsJson { get; init; }

    /// <summary>
    /// Whether the output is needed as it is generated: the client streams, or other requests may join this one
    /// (single-flight). When false the model server may be asked for the whole completion at once (see
    /// <see cref="BackendOptions.UpstreamStreaming"/>).
    /// </summary>
    public bool Streamed { get; init; } = true;

    /// <summary>Client headers passed on (see <see cref="BackendOptions.ForwardHeaders"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ForwardedHeaders { get; init; } = [];

    /// <summary>Isolates vLLM's prefix cache between tenants.</summary>
    public string? CacheSalt { get; init; }
}
