using Aspire70B.ApiService.Backend;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Chat;

/// <summary>What a chat response says, independent of how it is written (one JSON object or SSE chunks).</summary>
internal abstract record ChatEvent;

/// <summary>Text for choice <paramref name="Index"/>.</summary>
internal sealed record ContentDelta(int Index, string Text) : ChatEvent;

/// <summary>The tool calls of choice <paramref name="Index"/>.</summary>
internal sealed record ToolCallsEvent(int Index, IReadOnlyList<ToolCall> Calls) : ChatEvent;

/// <summary>Choice <paramref name="Index"/> finished.</summary>
internal sealed record FinishEvent(int Index, string Reason) : ChatEvent;

/// <summary>Token counts of the whole response.</summary>
internal sealed record UsageEvent(CompletionUsage Usage, bool FromCache) : ChatEvent;
