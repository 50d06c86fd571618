using System.Buffers;
using System.Text.Json;

namespace Aspire70B.ApiService.Backend;

/// <summary>Writes the JSON body of a vLLM <c>/v1/completions</c> call, streamed (with the usage as its last event) or not.</summary>
internal static class CompletionRequestWriter
{
    public static byte[] Write(CompletionRequest request, bool stream = true)
    {
        // Sized for the prompt (the bulk of the body) so the writer writes into it without growing; one copy out.
        var buffer = new ArrayBufferWriter<byte>(request.Prompt.Length + 512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", request.Model);
            w.WriteString("prompt", request.Prompt);
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

        return buffer.WrittenSpan.ToArray();
    }

    private static void Optional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }
}
