using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aspire70B.ApiService.Telemetry;

/// <summary>
/// Writes the GenAI conventions' content attributes — <c>gen_ai.system_instructions</c>, <c>gen_ai.input.messages</c>
/// and <c>gen_ai.output.messages</c> — as JSON strings (spans cannot hold structured values yet), in the shape of the
/// conventions' JSON schemas: messages of <c>role</c> and <c>parts</c>, parts of <c>type</c> <c>text</c> (content),
/// <c>tool_call</c> (id, name, arguments) and <c>tool_call_response</c> (id, response); output messages add
/// <c>finish_reason</c>. Only called when content capture is on.
/// </summary>
internal static class GenAIMessages
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The OpenAI request's <c>messages</c>, split the way Llama 3.1's template splits them: a leading system (or
    /// developer) message is the system instructions, given to the model apart from the history; the rest is input.
    /// </summary>
    public static ChatContent FromOpenAIMessages(JsonElement messages)
    {
        string? system = null;
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            var first = true;
            foreach (var message in messages.EnumerateArray())
            {
                var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "user";
                var content = message.TryGetProperty("content", out var c) ? c : default;
                if (first && role is "system" or "developer")
                {
                    system = SystemInstructions(content);
                    first = false;
                    continue;
                }

                first = false;
                WriteInputMessage(writer, role, message, content);
            }

            writer.WriteEndArray();
        }

        return new ChatContent(system, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>The raw prompt of a text completion, as the single user message it is.</summary>
    public static string FromPrompt(string prompt) => Write(writer =>
    {
        writer.WriteStartArray();
        writer.WriteStartObject();
        writer.WriteString("role", "user");
        writer.WriteStartArray("parts");
        WriteText(writer, prompt);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
    });

    /// <summary>Output messages: one per choice, in choice order.</summary>
    public static string FromChoices(IEnumerable<OutputChoice> choices) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (var choice in choices)
        {
            writer.WriteStartObject();
            writer.WriteString("role", "assistant");
            writer.WriteStartArray("parts");
            if (choice.Text.Length > 0)
            {
                WriteText(writer, choice.Text);
            }

            foreach (var call in choice.ToolCalls)
            {
                WriteToolCall(writer, call.Id, call.Name, call.Arguments);
            }

            writer.WriteEndArray();
            // The schema's value for OpenAI's "tool_calls"; the others (stop, length, …) are the same words.
            writer.WriteString("finish_reason", choice.FinishReason == "tool_calls" ? "tool_call" : choice.FinishReason ?? "error");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    });

    private static string? SystemInstructions(JsonElement content)
    {
        if (content.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        return Write(writer =>
        {
            writer.WriteStartArray();
            WriteContentParts(writer, content);
            writer.WriteEndArray();
        });
    }

    private static void WriteInputMessage(Utf8JsonWriter writer, string role, JsonElement message, JsonElement content)
    {
        writer.WriteStartObject();
        // Llama's "ipython" role carries tool results: the schema's "tool".
        writer.WriteString("role", role == "ipython" ? "tool" : role);
        writer.WriteStartArray("parts");
        if (role is "tool" or "ipython")
        {
            writer.WriteStartObject();
            writer.WriteString("type", "tool_call_response");
            if (message.TryGetProperty("tool_call_id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                writer.WriteString("id", id.GetString());
            }

            writer.WriteString("response", TextOf(content));
            writer.WriteEndObject();
        }
        else
        {
            WriteContentParts(writer, content);
            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var function = call.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
                    WriteToolCall(
                        writer,
                        call.TryGetProperty("id", out var callId) && callId.ValueKind == JsonValueKind.String ? callId.GetString() : null,
                        StringProperty(function, "name") ?? "",
                        StringProperty(function, "arguments"));
                }
            }
        }

        writer.WriteEndArray();
        if (StringProperty(message, "name") is { } name)
        {
            writer.WriteString("name", name);
        }

        writer.WriteEndObject();
    }

    /// <summary>OpenAI content — a string or an array of parts — as text parts (other part types keep only their type).</summary>
    private static void WriteContentParts(Utf8JsonWriter writer, JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            WriteText(writer, content.GetString()!);
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in content.EnumerateArray())
            {
                var type = StringProperty(part, "type") ?? "text";
                if (type == "text")
                {
                    WriteText(writer, StringProperty(part, "text") ?? "");
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", type);
                    writer.WriteEndObject();
                }
            }
        }
    }

    private static string TextOf(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            text.Append(StringProperty(part, "text"));
        }

        return text.ToString();
    }

    private static void WriteText(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "text");
        writer.WriteString("content", text);
        writer.WriteEndObject();
    }

    /// <summary>A tool call part; its arguments as the JSON value they spell (OpenAI sends them as a string), else as that string.</summary>
    private static void WriteToolCall(Utf8JsonWriter writer, string? id, string name, string? arguments)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "tool_call");
        if (id is not null)
        {
            writer.WriteString("id", id);
        }

        writer.WriteString("name", name);
        writer.WritePropertyName("arguments");
        if (arguments is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            try
            {
                using var document = JsonDocument.Parse(arguments);
                document.RootElement.WriteTo(writer);
            }
            catch (JsonException)
            {
                writer.WriteStringValue(arguments);
            }
        }

        writer.WriteEndObject();
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>A chat request's content attributes: the system instructions (if any) and the input messages, as JSON.</summary>
internal sealed record ChatContent(string? SystemInstructions, string InputMessages);

/// <summary>One choice of the answer, as recorded in <c>gen_ai.output.messages</c>.</summary>
internal sealed record OutputChoice(string Text, IReadOnlyList<Aspire70B.Serving.Templates.ToolCall> ToolCalls, string? FinishReason);
