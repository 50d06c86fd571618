namespace Aspire70B.ApiService.Chat;

/// <summary>The sampling and shaping parameters of an OpenAI chat request, validated.</summary>
internal sealed record ChatParameters
{
    public string? Model { get; init; }

    public bool Stream { get; init; }

    /// <summary><c>stream_options.include_usage</c>: a final chunk with usage.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary><c>max_completion_tokens</c> or <c>max_tokens</c>; null for the gateway's default.</summary>
    public int? MaxTokens { get; init; }

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

    /// <summary>
    /// The <c>structured_outputs</c> object for the model server (from <c>tool_choice</c> or <c>response_format</c>), as
    /// raw JSON, also part of the cache key; null when the output is unconstrained.
    /// </summary>
    public string? StructuredOutputsJson { get; init; }

    /// <summary><c>tools</c> as raw JSON, for the cache key.</summary>
    public string? ToolsJson { get; init; }

    /// <summary>The request's <c>tool_choice</c> (auto when unset).</summary>
    public ToolChoice ToolChoice { get; init; } = ToolChoice.Auto;
}
