using System.Buffers;
using System.Text.Json;
using Aspire70B.ApiService.Backend;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Chat;

/// <summary>Writes OpenAI's chat completion object and its streaming chunks.</summary>
internal static class ChatResponseJson
{
    /// <summary>One <c>chat.completion.chunk</c> for choice <paramref name="index"/>; <paramref name="writeDelta"/> writes the delta's members.</summary>
    public static void Chunk<TState>(Utf8JsonWriter w, ChunkHeader header, int index, TState state, Action<Utf8JsonWriter, TState> writeDelta, string? finishReason)
    {
        Header(w, header.Id, header.Created, header.Model, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        writeDelta(w, state);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        WriteNullable(w, "finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void UsageChunk(Utf8JsonWriter w, ChunkHeader header, CompletionUsage usage, bool fromCache)
    {
        Header(w, header.Id, header.Created, header.Model, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteEndArray();
        Usage(w, usage, fromCache);
        w.WriteEndObject();
    }

    public static void RoleDelta(Utf8JsonWriter w)
    {
        w.WriteString("role", "assistant");
        w.WriteString("content", "");
    }

    public static void ToolCallsDelta(Utf8JsonWriter w, IReadOnlyList<ToolCall> calls)
    {
        w.WriteStartArray("tool_calls");
        for (var i = 0; i < calls.Count; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("index", i);
            ToolCallBody(w, calls[i]);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>The whole non-streaming response.</summary>
    public static ReadOnlyMemory<byte> Completion(string id, long created, string model, IReadOnlyList<ChoiceResult> choices, CompletionUsage usage, bool fromCache)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + choices.Sum(c => c.Content?.Length ?? 64));
        using (var w = new Utf8JsonWriter(buffer))
        {
            Header(w, id, created, model, "chat.completion");
            w.WriteStartArray("choices");
            foreach (var choice in choices)
            {
                w.WriteStartObject();
                w.WriteNumber("index", choice.Index);
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                if (choice.ToolCalls.Count > 0)
                {
                    w.WriteNull("content");
                    w.WriteStartArray("tool_calls");
                    foreach (var call in choice.ToolCalls)
                    {
                        w.WriteStartObject();
                        ToolCallBody(w, call);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }
                else
                {
                    w.WriteString("content", choice.Content);
                }

                w.WriteEndObject();
                w.WriteNull("logprobs");
                w.WriteString("finish_reason", choice.FinishReason);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            Usage(w, usage, fromCache);
            w.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static void ToolCallBody(Utf8JsonWriter w, ToolCall call)
    {
        w.WriteString("id", call.Id);
        w.WriteString("type", "function");
        w.WriteStartObject("function");
        w.WriteString("name", call.Name);
        w.WriteString("arguments", call.Arguments);
        w.WriteEndObject();
    }

    private static void Header(Utf8JsonWriter w, string id, long created, string model, string type)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", type);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    private static void Usage(Utf8JsonWriter w, CompletionUsage usage, bool fromCache)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.PromptTokens);
        w.WriteNumber("completion_tokens", usage.CompletionTokens);
        w.WriteNumber("total_tokens", usage.TotalTokens);
        if (fromCache)
        {
            // A cache hit spends no model time: the whole prompt counts as cached.
            w.WriteStartObject("prompt_tokens_details");
            w.WriteNumber("cached_tokens", usage.PromptTokens);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}

/// <summary>What every chunk of one response repeats.</summary>
internal readonly record struct ChunkHeader(string Id, long Created, string Model);

/// <summary>One finished choice of a non-streaming response.</summary>
internal sealed record ChoiceResult(int Index, string? Content, IReadOnlyList<ToolCall> ToolCalls, string FinishReason);
