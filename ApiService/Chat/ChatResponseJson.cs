using System.Buffers;
using System.Text.Json;
using Aspire70B.ApiService.Backend;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Writes OpenAI's chat completion object and its streaming chunks. Property names and the values every chunk of a
/// response repeats are escaped and encoded once (<see cref="JsonEncodedText"/>), not again in every event; the
/// bytes are those of writing the strings.
/// </summary>
internal static class ChatResponseJson
{
    private static readonly JsonEncodedText ChunkObject = JsonEncodedText.Encode("chat.completion.chunk");
    private static readonly JsonEncodedText CompletionObject = JsonEncodedText.Encode("chat.completion");
    private static readonly JsonEncodedText Empty = JsonEncodedText.Encode(string.Empty);
    private static readonly JsonEncodedText Assistant = JsonEncodedText.Encode("assistant");
    private static readonly JsonEncodedText FunctionType = JsonEncodedText.Encode("function");

    /// <summary>One <c>chat.completion.chunk</c> for choice <paramref name="index"/>; <paramref name="writeDelta"/> writes the delta's members.</summary>
    public static void Chunk<TState>(Utf8JsonWriter w, ChunkHeader header, int index, TState state, Action<Utf8JsonWriter, TState> writeDelta, string? finishReason)
    {
        Header(w, header, ChunkObject);
        w.WriteStartArray(Names.Choices);
        w.WriteStartObject();
        w.WriteNumber(Names.Index, index);
        w.WriteStartObject(Names.Delta);
        writeDelta(w, state);
        w.WriteEndObject();
        w.WriteNull(Names.Logprobs);
        FinishReason(w, finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void UsageChunk(Utf8JsonWriter w, ChunkHeader header, CompletionUsage usage, bool fromCache)
    {
        Header(w, header, ChunkObject);
        w.WriteStartArray(Names.Choices);
        w.WriteEndArray();
        Usage(w, usage, fromCache);
        w.WriteEndObject();
    }

    public static void RoleDelta(Utf8JsonWriter w)
    {
        w.WriteString(Names.Role, Assistant);
        w.WriteString(Names.Content, Empty);
    }

    public static void ContentDelta(Utf8JsonWriter w, string text) => w.WriteString(Names.Content, text);

    public static void ToolCallsDelta(Utf8JsonWriter w, IReadOnlyList<ToolCall> calls)
    {
        w.WriteStartArray(Names.ToolCalls);
        for (var i = 0; i < calls.Count; i++)
        {
            w.WriteStartObject();
            w.WriteNumber(Names.Index, i);
            ToolCallBody(w, calls[i]);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>The whole non-streaming response.</summary>
    public static ReadOnlyMemory<byte> Completion(ChunkHeader header, IReadOnlyList<ChoiceResult> choices, CompletionUsage usage, bool fromCache)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + choices.Sum(c => c.Content?.Length ?? 64));
        using (var w = new Utf8JsonWriter(buffer))
        {
            Header(w, header, CompletionObject);
            w.WriteStartArray(Names.Choices);
            foreach (var choice in choices)
            {
                w.WriteStartObject();
                w.WriteNumber(Names.Index, choice.Index);
                w.WriteStartObject(Names.Message);
                w.WriteString(Names.Role, Assistant);
                if (choice.ToolCalls.Count > 0)
                {
                    w.WriteNull(Names.Content);
                    w.WriteStartArray(Names.ToolCalls);
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
                    w.WriteString(Names.Content, choice.Content);
                }

                w.WriteEndObject();
                w.WriteNull(Names.Logprobs);
                FinishReason(w, choice.FinishReason);
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
        w.WriteString(Names.Id, call.Id);
        w.WriteString(Names.Type, FunctionType);
        w.WriteStartObject(Names.Function);
        w.WriteString(Names.Name, call.Name);
        w.WriteString(Names.Arguments, call.Arguments);
        w.WriteEndObject();
    }

    private static void Header(Utf8JsonWriter w, ChunkHeader header, JsonEncodedText type)
    {
        w.WriteStartObject();
        w.WriteString(Names.Id, header.EncodedId);
        w.WriteString(Names.Object, type);
        w.WriteNumber(Names.Created, header.Created);
        w.WriteString(Names.Model, header.EncodedModel);
    }

    private static void Usage(Utf8JsonWriter w, CompletionUsage usage, bool fromCache)
    {
        w.WriteStartObject(Names.Usage);
        w.WriteNumber(Names.PromptTokens, usage.PromptTokens);
        w.WriteNumber(Names.CompletionTokens, usage.CompletionTokens);
        w.WriteNumber(Names.TotalTokens, usage.TotalTokens);
        if (fromCache)
        {
            // A cache hit spends no model time: the whole prompt counts as cached.
            w.WriteStartObject(Names.PromptTokensDetails);
            w.WriteNumber(Names.CachedTokens, usage.PromptTokens);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void FinishReason(Utf8JsonWriter w, string? reason)
    {
        if (reason is null)
        {
            w.WriteNull(Names.FinishReason);
        }
        else
        {
            w.WriteString(Names.FinishReason, reason);
        }
    }

    /// <summary>The property names, encoded once.</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
        public static readonly JsonEncodedText Object = JsonEncodedText.Encode("object");
        public static readonly JsonEncodedText Created = JsonEncodedText.Encode("created");
        public static readonly JsonEncodedText Model = JsonEncodedText.Encode("model");
        public static readonly JsonEncodedText Choices = JsonEncodedText.Encode("choices");
        public static readonly JsonEncodedText Index = JsonEncodedText.Encode("index");
        public static readonly JsonEncodedText Delta = JsonEncodedText.Encode("delta");
        public static readonly JsonEncodedText Logprobs = JsonEncodedText.Encode("logprobs");
        public static readonly JsonEncodedText FinishReason = JsonEncodedText.Encode("finish_reason");
        public static readonly JsonEncodedText Role = JsonEncodedText.Encode("role");
        public static readonly JsonEncodedText Content = JsonEncodedText.Encode("content");
        public static readonly JsonEncodedText ToolCalls = JsonEncodedText.Encode("tool_calls");
        public static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText Function = JsonEncodedText.Encode("function");
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText Arguments = JsonEncodedText.Encode("arguments");
        public static readonly JsonEncodedText Usage = JsonEncodedText.Encode("usage");
        public static readonly JsonEncodedText PromptTokens = JsonEncodedText.Encode("prompt_tokens");
        public static readonly JsonEncodedText CompletionTokens = JsonEncodedText.Encode("completion_tokens");
        public static readonly JsonEncodedText TotalTokens = JsonEncodedText.Encode("total_tokens");
        public static readonly JsonEncodedText PromptTokensDetails = JsonEncodedText.Encode("prompt_tokens_details");
        public static readonly JsonEncodedText CachedTokens = JsonEncodedText.Encode("cached_tokens");
    }
}

/// <summary>What every chunk of one response repeats, the strings escaped and encoded once per response.</summary>
internal sealed class ChunkHeader(string id, long created, string model)
{
    public long Created { get; } = created;

    /// <summary>The response's id as every chunk writes it.</summary>
    public JsonEncodedText EncodedId { get; } = JsonEncodedText.Encode(id);

    /// <summary>The served model's name as every chunk writes it.</summary>
    public JsonEncodedText EncodedModel { get; } = JsonEncodedText.Encode(model);
}

/// <summary>One finished choice of a non-streaming response.</summary>
internal sealed record ChoiceResult(int Index, string? Content, IReadOnlyList<ToolCall> ToolCalls, string FinishReason);
