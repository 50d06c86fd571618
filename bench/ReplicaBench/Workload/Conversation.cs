using System.Buffers;
using System.Text.Json;

namespace Aspire70B.ReplicaBench.Workload;

/// <summary>
/// One user's chat: the system prompt, then every turn and answer so far; each request resends the whole history, as
/// chat clients do. Not thread-safe: one user owns it.
/// </summary>
internal sealed class Conversation(string systemPrompt, string model)
{
    private readonly List<(string Role, string Content)> _messages = [("system", systemPrompt)];

    public int Turns { get; private set; }

    /// <summary>Adds the user's next message and returns the streamed request body for the history so far.</summary>
    public byte[] Ask(string userMessage, int maxTokens)
    {
        _messages.Add(("user", userMessage));
        Turns++;
        var buffer = new ArrayBufferWriter<byte>(16_384);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("messages");
            foreach (var (role, content) in _messages)
            {
                json.WriteStartObject();
                json.WriteString("role", role);
                json.WriteString("content", content);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("max_tokens", maxTokens);
            json.WriteNumber("temperature", 0);
            json.WriteBoolean("stream", true);
            json.WriteStartObject("stream_options");
            json.WriteBoolean("include_usage", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The model's answer becomes part of the history the next turn resends.</summary>
    public void Answered(string answer) => _messages.Add(("assistant", answer));
}
