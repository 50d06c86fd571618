using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector.Wire;

/// <summary>
/// Turns OpenAI's <c>chat.completion.chunk</c> objects into <see cref="ChatResponseUpdate"/>s, one per chunk. Tool-call
/// fragments are gathered by index and delivered as whole <see cref="FunctionCallContent"/>s with the finishing
/// chunk, because their arguments are only JSON once complete. One instance per stream; not thread-safe.
/// </summary>
internal sealed class ChatChunkReader
{
    private readonly SortedDictionary<int, PendingCall> _calls = [];

    /// <summary>Reads one chunk; null when it carries nothing for the caller.</summary>
    public ChatResponseUpdate? Read(JsonElement chunk)
    {
        var update = new ChatResponseUpdate
        {
            ResponseId = WireValues.String(chunk, "id"),
            MessageId = WireValues.String(chunk, "id"),
            ModelId = WireValues.String(chunk, "model"),
            CreatedAt = WireValues.Created(chunk),
        };

        if (chunk.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
            {
                if (WireValues.String(delta, "role") is { } role)
                {
                    update.Role = new ChatRole(role);
                }

                if (WireValues.String(delta, "content") is { Length: > 0 } text)
                {
                    update.Contents.Add(new TextContent(text));
                }

                if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    Gather(calls);
                }
            }

            if (WireValues.FinishReason(choice) is { } finish)
            {
                update.FinishReason = finish;
                update.Role ??= ChatRole.Assistant;
                foreach (var call in Flush())
                {
                    update.Contents.Add(call);
                }
            }
        }

        if (WireValues.Usage(chunk) is { } usage)
        {
            update.Contents.Add(new UsageContent(usage));
        }

        return update.Role is not null || update.FinishReason is not null || update.Contents.Count > 0 ? update : null;
    }

    /// <summary>Tool calls gathered but never finished by a <c>finish_reason</c>.</summary>
    public IReadOnlyList<FunctionCallContent> Flush()
    {
        var calls = _calls.Values.Select(c => WireValues.FunctionCall(c.Id ?? "", c.Name ?? "", c.Arguments.ToString())).ToList();
        _calls.Clear();
        return calls;
    }

    private void Gather(JsonElement calls)
    {
        foreach (var call in calls.EnumerateArray())
        {
            var index = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : _calls.Count;
            if (!_calls.TryGetValue(index, out var pending))
            {
                pending = new PendingCall();
                _calls[index] = pending;
            }

            pending.Id ??= WireValues.String(call, "id");
            if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
            {
                pending.Name ??= WireValues.String(function, "name");
                pending.Arguments.Append(WireValues.String(function, "arguments"));
            }
        }
    }

    private sealed class PendingCall
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public System.Text.StringBuilder Arguments { get; } = new();
    }
}
