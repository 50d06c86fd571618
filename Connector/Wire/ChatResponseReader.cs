using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector.Wire;

/// <summary>Reads OpenAI's <c>chat.completion</c> object into a <see cref="ChatResponse"/>; only the first choice is read.</summary>
internal static class ChatResponseReader
{
    public static ChatResponse Read(JsonElement root)
    {
        var message = new ChatMessage(ChatRole.Assistant, []);
        ChatFinishReason? finish = null;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            finish = WireValues.FinishReason(choice);
            if (choice.TryGetProperty("message", out var wireMessage) && wireMessage.ValueKind == JsonValueKind.Object)
            {
                if (WireValues.String(wireMessage, "role") is { } role)
                {
                    message.Role = new ChatRole(role);
                }

                if (WireValues.String(wireMessage, "content") is { Length: > 0 } text)
                {
                    message.Contents.Add(new TextContent(text));
                }

                if (wireMessage.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var function = call.TryGetProperty("function", out var f) ? f : default;
                        message.Contents.Add(WireValues.FunctionCall(
                            WireValues.String(call, "id") ?? "",
                            function.ValueKind == JsonValueKind.Object ? WireValues.String(function, "name") ?? "" : "",
                            function.ValueKind == JsonValueKind.Object ? WireValues.String(function, "arguments") : null));
                    }
                }
            }
        }

        var id = WireValues.String(root, "id");
        message.MessageId = id;
        return new ChatResponse(message)
        {
            ResponseId = id,
            ModelId = WireValues.String(root, "model"),
            CreatedAt = WireValues.Created(root),
            FinishReason = finish,
            Usage = WireValues.Usage(root),
        };
    }
}
