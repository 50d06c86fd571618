using System.Text;
using Aspire70B.ApiService.Backend;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Turns the model server's completion chunks into chat events. Unconstrained (tool_choice auto or none), text streams
/// through at once unless it could be the start of a tool call, which the template's parser holds only until it can
/// decide. Constrained to tool calls (required, or a named function), the output is JSON the gateway must read whole:
/// it is held to the end and becomes the calls (or, cut short, the content). One parser per choice.
/// </summary>
internal sealed class ChatOutputMapper(IChatTemplate template, IReadOnlyCollection<string> offeredTools, ToolChoice toolChoice)
{
    private readonly Dictionary<int, ModelOutputParser> _parsers = [];
    private readonly Dictionary<int, StringBuilder> _constrained = [];

    /// <summary>Appends the events <paramref name="chunk"/> makes to <paramref name="events"/> (a list the caller reuses:
    /// an iterator here was an allocation for every chunk of every stream).</summary>
    public void Map(CompletionChunk chunk, List<ChatEvent> events)
    {
        if (chunk.Usage is { } usage)
        {
            events.Add(new UsageEvent(usage, FromCache: chunk.Source == ChunkSource.Cache));
            return;
        }

        if (toolChoice.Constrains)
        {
            MapConstrained(chunk, events);
            return;
        }

        var parser = ParserFor(chunk.Index);
        if (chunk.Text.Length > 0)
        {
            var released = parser.Append(chunk.Text);
            if (released.Length > 0)
            {
                events.Add(new ContentDelta(chunk.Index, released));
            }
        }

        if (chunk.FinishReason is { } reason)
        {
            var end = parser.Complete();
            if (end.HasToolCalls)
            {
                events.Add(new ToolCallsEvent(chunk.Index, end.ToolCalls));
                events.Add(new FinishEvent(chunk.Index, "tool_calls"));
                return;
            }

            if (!string.IsNullOrEmpty(end.Content))
            {
                events.Add(new ContentDelta(chunk.Index, end.Content));
            }

            // vLLM's "abort" means the request was cancelled; everything else passes through (stop, length).
            events.Add(new FinishEvent(chunk.Index, reason));
        }
    }

    private void MapConstrained(CompletionChunk chunk, List<ChatEvent> events)
    {
        if (!_constrained.TryGetValue(chunk.Index, out var text))
        {
            text = new StringBuilder();
            _constrained[chunk.Index] = text;
        }

        text.Append(chunk.Text);
        if (chunk.FinishReason is not { } reason)
        {
            return;
        }

        var whole = text.ToString();
        if (reason == "stop" && ConstrainedToolCalls.Read(whole, toolChoice) is { } calls)
        {
            events.Add(new ToolCallsEvent(chunk.Index, calls));
            events.Add(new FinishEvent(chunk.Index, "tool_calls"));
            return;
        }

        if (whole.Length > 0)
        {
            events.Add(new ContentDelta(chunk.Index, whole));
        }

        events.Add(new FinishEvent(chunk.Index, reason));
    }

    private ModelOutputParser ParserFor(int index)
    {
        if (!_parsers.TryGetValue(index, out var parser))
        {
            parser = template.CreateOutputParser(toolChoice.Mode == ToolChoiceMode.None ? [] : offeredTools);
            _parsers[index] = parser;
        }

        return parser;
    }
}
