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
}
