namespace Aspire70B.ApiService.Backend;

/// <summary>Token counts as the model server reports them.</summary>
internal sealed record CompletionUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>One event of the model server's completion stream: text for one choice, its finish, or the final usage.</summary>
internal readonly record struct CompletionChunk(int Index, string Text, string? FinishReason, string? StopReason, CompletionUsage? Usage)
{
    public bool IsUsageOnly => Usage is not null && Text.Length == 0 && FinishReason is null;

    /// <summary>On the first chunk of a call, when several replicas could have served it: the one that did.</summary>
    public string? Replica { get; init; }

    /// <summary>Where the output came from: on the first chunk of a model call, and on every chunk read from the cache.</summary>
    public ChunkSource Source { get; init; }
}

/// <summary>Where a call's output came from.</summary>
internal enum ChunkSource
{
    /// <summary>The model server's stream, token by token: the first chunk's arrival is the time to first token.</summary>
    Streamed,

    /// <summary>The model server's answer in one piece: the first token's time is not known.</summary>
    WholeAnswer,

    /// <summary>The prompt cache, read again when an answer was stored after the request's own lookup.</summary>
    Cache,
}
