namespace Aspire70B.Simulator.Generation;

/// <summary>The request's sampling parameters, validated and with defaults applied.</summary>
internal sealed record SamplingSettings
{
    public required int N { get; init; }

    public required int MaxTokens { get; init; }

    public int MinTokens { get; init; }

    public bool IgnoreEos { get; init; }

    /// <summary>The temperature in effect (the request's, else the model's default).</summary>
    public required double Temperature { get; init; }

    public long? Seed { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    public bool IncludeStopStrInOutput { get; init; }

    public bool SkipSpecialTokens { get; init; } = true;
}

/// <summary>Why a sequence stopped on a stop condition: the stop string, or the stop token id.</summary>
internal readonly record struct StopReason(string? Text, int? TokenId)
{
    public static StopReason None => default;

    public bool IsNone => Text is null && TokenId is null;
}

/// <summary>vLLM's finish reasons.</summary>
internal static class FinishReasons
{
    public const string Stop = "stop";
    public const string Length = "length";
    public const string Abort = "abort";
}
