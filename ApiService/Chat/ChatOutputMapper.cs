using Aspire70B.ApiService.Backend;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Turns the model server's completion chunks into chat events: text streams through at once unless it could be
/// the start of a tool call, which the template's parser holds only until it can decide. One parser per choice.
/// </summary>
internal sealed class ChatOutputMapper(IChatTemplate template, IReadOnlyCollection<string> offeredTools, bool toolCallsAllowed)
{
    private readonly Dictionary<int, ModelOutputParser> _parsers = [];

    public IEnumerable<ChatEvent> Map(CompletionChunk chunk)
    {
        if (chunk.Usage is { } usage)
        {
            yield return new UsageEvent(usage, FromCache: false);
            yield break;
        }

        var parser = ParserFor(chunk.Index);
        if (chunk.Text.Length > 0)
        {
            var released = parser.Append(chunk.Text);
            if (released.Length > 0)
            {
                yield return new ContentDelta(chunk.Index, released);
            }
        }

        if (chunk.FinishReason is { } reason)
        {
            var end = parser.Complete();
            if (end.HasToolCalls)
            {
                yield return new ToolCallsEvent(chunk.Index, end.ToolCalls);
                yield return new FinishEvent(chunk.Index, "tool_calls");
                yield break;
            }

            if (!string.IsNullOrEmpty(end.Content))
            {
                yield return new ContentDelta(chunk.Index, end.Content);
            }

            // vLLM's "abort" means the request was cancelled; everything else passes through (stop, length).
            yield return new FinishEvent(chunk.Index, reason);
        }
    }

    private ModelOutputParser ParserFor(int index)
    {
        if (!_parsers.TryGetValue(index, out var parser))
        {
            parser = template.CreateOutputParser(toolCallsAllowed ? offeredTools : []);
            _parsers[index] = parser;
        }

        return parser;
    }
}
