using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector.Wire;

/// <summary>
/// Writes OpenAI's chat completion request from Microsoft.Extensions.AI messages and <see cref="ChatOptions"/>.
/// Everything the gateway cannot honour is refused here, before a request is sent, rather than silently dropped.
/// </summary>
internal static class ChatRequestWriter
{
    /// <summary>The request keys this writer owns; <see cref="ChatOptions.AdditionalProperties"/> may not repeat them.</summary>
    private static readonly HashSet<string> OwnedKeys = new(StringComparer.Ordinal)
    {
        "model", "messages", "stream", "stream_options", "temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens",
        "stop", "seed", "frequency_penalty", "presence_penalty", "response_format", "tools", "tool_choice", "n",
    };

    /// <summary>Microsoft.Extensions.AI's serializer settings, without its indentation: arguments travel as compact JSON.</summary>
    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static byte[] Write(IEnumerable<ChatMessage> messages, ChatOptions? options, string? defaultModel, bool stream)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if ((options?.ModelId ?? defaultModel) is { } model)
            {
                w.WriteString("model", model);
            }

            WriteMessages(w, messages, options?.Instructions);
            if (stream)
            {
                w.WriteBoolean("stream", true);
                w.WriteStartObject("stream_options");
                w.WriteBoolean("include_usage", true);
                w.WriteEndObject();
            }

            if (options is not null)
            {
                WriteOptions(w, options);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteOptions(Utf8JsonWriter w, ChatOptions options)
    {
        WriteNumber(w, "temperature", options.Temperature);
        WriteNumber(w, "top_p", options.TopP);
        if (options.TopK is { } topK)
        {
            w.WriteNumber("top_k", topK);
        }

        if (options.MaxOutputTokens is { } maxTokens)
        {
            w.WriteNumber("max_tokens", maxTokens);
        }

        if (options.StopSequences is { Count: > 0 } stops)
        {
            w.WriteStartArray("stop");
            foreach (var stop in stops)
            {
                w.WriteStringValue(stop);
            }

            w.WriteEndArray();
        }

        if (options.Seed is { } seed)
        {
            w.WriteNumber("seed", seed);
        }

        WriteNumber(w, "frequency_penalty", options.FrequencyPenalty);
        WriteNumber(w, "presence_penalty", options.PresencePenalty);
        WriteResponseFormat(w, options.ResponseFormat);
        WriteTools(w, options.Tools, options.ToolMode);

        if (options.AdditionalProperties is { Count: > 0 } extras)
        {
            foreach (var (key, value) in extras)
            {
                if (OwnedKeys.Contains(key))
                {
                    throw new ArgumentException(
                        $"ChatOptions.AdditionalProperties may not set '{key}': it is written from ChatOptions or not supported by the connector.", nameof(options));
                }

                w.WritePropertyName(key);
                JsonSerializer.Serialize(w, value, Compact.GetTypeInfo(typeof(object)));
            }
        }
    }

    private static void WriteResponseFormat(Utf8JsonWriter w, ChatResponseFormat? format)
    {
        switch (format)
        {
            case null or ChatResponseFormatText:
                return;
            case ChatResponseFormatJson { Schema: null }:
                w.WriteStartObject("response_format");
                w.WriteString("type", "json_object");
                w.WriteEndObject();
                return;
            case ChatResponseFormatJson json:
                w.WriteStartObject("response_format");
                w.WriteString("type", "json_schema");
                w.WriteStartObject("json_schema");
                w.WriteString("name", json.SchemaName ?? "response");
                if (json.SchemaDescription is { } description)
                {
                    w.WriteString("description", description);
                }

                w.WritePropertyName("schema");
                json.Schema.Value.WriteTo(w);
                w.WriteEndObject();
                w.WriteEndObject();
                return;
            default:
                throw new NotSupportedException($"The response format {format.GetType().Name} is not supported: use ChatResponseFormat.Text, Json or ForJsonSchema.");
        }
    }

    private static void WriteTools(Utf8JsonWriter w, IList<AITool>? tools, ChatToolMode? mode)
    {
        if (mode is RequiredChatToolMode)
        {
            // The gateway answers 400 for anything but auto and none; failing here saves the round trip and says why.
            throw new NotSupportedException(
                "ChatToolMode.RequireAny and RequireSpecific are not supported: Llama 3.1 decides itself whether to call a tool, so the gateway accepts only ChatToolMode.Auto and ChatToolMode.None.");
        }

        if (tools is { Count: > 0 })
        {
            w.WriteStartArray("tools");
            foreach (var tool in tools)
            {
                if (tool is not AIFunctionDeclaration function)
                {
                    throw new NotSupportedException($"The tool '{tool.Name}' ({tool.GetType().Name}) is not a function: the gateway supports function tools only.");
                }

                w.WriteStartObject();
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", function.Name);
                if (!string.IsNullOrEmpty(function.Description))
                {
                    w.WriteString("description", function.Description);
                }

                w.WritePropertyName("parameters");
                function.JsonSchema.WriteTo(w);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        switch (mode)
        {
            case NoneChatToolMode:
                w.WriteString("tool_choice", "none");
                break;
            case AutoChatToolMode when tools is { Count: > 0 }:
                w.WriteString("tool_choice", "auto");
                break;
        }
    }

    private static void WriteMessages(Utf8JsonWriter w, IEnumerable<ChatMessage> messages, string? instructions)
    {
        w.WriteStartArray("messages");
        if (!string.IsNullOrEmpty(instructions))
        {
            w.WriteStartObject();
            w.WriteString("role", "system");
            w.WriteString("content", instructions);
            w.WriteEndObject();
        }

        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            WriteMessage(w, message);
        }

        w.WriteEndArray();
    }

    private static void WriteMessage(Utf8JsonWriter w, ChatMessage message)
    {
        var results = message.Contents.OfType<FunctionResultContent>().ToList();
        if (results.Count > 0)
        {
            // Each function result is its own OpenAI "tool" message, answering one call by its id.
            foreach (var result in results)
            {
                w.WriteStartObject();
                w.WriteString("role", "tool");
                w.WriteString("tool_call_id", result.CallId);
                w.WriteString("content", ResultText(result));
                w.WriteEndObject();
            }

            return;
        }

        if (message.Contents.FirstOrDefault(c => c is DataContent or UriContent) is { } media)
        {
            throw new NotSupportedException($"Message content of type {media.GetType().Name} is not supported: Llama 3.1 70B reads text only.");
        }

        var text = string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text));
        var calls = message.Contents.OfType<FunctionCallContent>().ToList();
        w.WriteStartObject();
        w.WriteString("role", message.Role.Value);
        if (message.AuthorName is { Length: > 0 } name)
        {
            w.WriteString("name", name);
        }

        if (calls.Count > 0 && text.Length == 0)
        {
            w.WriteNull("content");
        }
        else
        {
            w.WriteString("content", text);
        }

        if (calls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", call.CallId);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", call.Name);
                w.WriteString("arguments", JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), Compact.GetTypeInfo(typeof(IDictionary<string, object?>))));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static string ResultText(FunctionResultContent result) => result.Result switch
    {
        null => "",
        string text => text,
        var value => JsonSerializer.Serialize(value, Compact.GetTypeInfo(value.GetType())),
    };

    private static void WriteNumber(Utf8JsonWriter w, string name, float? value)
    {
        if (value is { } number)
        {
            // Through decimal text, so 0.7f is written as 0.7 and not as 0.699999988079071.
            w.WriteNumber(name, double.Parse(number.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
