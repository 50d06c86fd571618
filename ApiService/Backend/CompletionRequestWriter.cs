using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Aspire70B.ApiService.Backend;

/// <summary>Writes the JSON body of a vLLM <c>/v1/completions</c> call, streamed (with the usage as its last event) or not.</summary>
internal static class CompletionRequestWriter
{
    public static ReadOnlyMemory<byte> Write(CompletionRequest request, bool stream = true)
    {
        // The prompt, the bulk of the body, goes to the writer as UTF-8: it then reserves room for the prompt as escaped,
        // where from UTF-16 it reserves three bytes per escaped char (a template's <|…|> tokens are escaped, \u003C…),
        // which grew the buffer to several times the body on every request. The body is the buffer's written part.
        var prompt = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(request.Prompt.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(request.Prompt, prompt);
            var buffer = new ArrayBufferWriter<byte>(length + (length / 4) + 512);
            Write(buffer, request, prompt.AsSpan(0, length), stream);
            return buffer.WrittenMemory;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(prompt);
        }
    }

    private static void Write(ArrayBufferWriter<byte> buffer, CompletionRequest request, ReadOnlySpan<byte> prompt, bool stream)
    {
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", request.Model);
            w.WriteString("prompt"u8, prompt);
            w.WriteNumber("max_tokens", request.MaxTokens);
            w.WriteNumber("n", request.N);
            Optional(w, "temperature", request.Temperature);
            Optional(w, "top_p", request.TopP);
            if (request.TopK is { } topK)
            {
                w.WriteNumber("top_k", topK);
            }

            Optional(w, "min_p", request.MinP);
            Optional(w, "presence_penalty", request.PresencePenalty);
            Optional(w, "frequency_penalty", request.FrequencyPenalty);
            Optional(w, "repetition_penalty", request.RepetitionPenalty);
            if (request.Seed is { } seed)
            {
                w.WriteNumber("seed", seed);
            }

            if (request.Stop.Count > 0)
            {
                w.WriteStartArray("stop");
                foreach (var stop in request.Stop)
                {
                    w.WriteStringValue(stop);
                }

                w.WriteEndArray();
            }

            if (request.StopTokenIds.Count > 0)
            {
                w.WriteStartArray("stop_token_ids");
                foreach (var id in request.StopTokenIds)
                {
                    w.WriteNumberValue(id);
                }

                w.WriteEndArray();
            }

            if (request.StructuredOutputsJson is { } structured)
            {
                w.WritePropertyName("structured_outputs");
                w.WriteRawValue(structured);
            }

            if (request.CacheSalt is { } salt)
            {
                w.WriteString("cache_salt", salt);
            }

            // The prompt already starts with the template's BOS token.
            w.WriteBoolean("add_special_tokens", false);
            w.WriteBoolean("stream", stream);
            if (stream)
            {
                // vLLM refuses stream_options on a request that does not stream.
                w.WriteStartObject("stream_options");
                w.WriteBoolean("include_usage", true);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }
    }

    private static void Optional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }
}
