using System.Text.Json;

namespace Aspire70B.ApiService.Backend;

/// <summary>
/// Parses one vLLM <c>/v1/completions</c> stream event into chunks, one per choice, then a usage-only chunk when the
/// event carries usage. Reads the bytes once with <see cref="Utf8JsonReader"/> (no document is built: this runs for
/// every token of every stream) and skips what it does not need (<c>logprobs</c>, ids, unknown fields). An event that
/// is not a completion chunk is a broken upstream, reported as <see cref="BackendFailure.Broken"/>, never a 500.
/// </summary>
internal static class CompletionChunkParser
{
    public static List<CompletionChunk> Parse(ReadOnlySpan<byte> payload)
    {
        var chunks = new List<CompletionChunk>(1);
        Parse(payload, chunks);
        return chunks;
    }

    /// <summary>Appends the event's chunks to <paramref name="chunks"/> (a list a stream reuses); nothing when it is malformed.</summary>
    public static void Parse(ReadOnlySpan<byte> payload, List<CompletionChunk> chunks)
    {
        var before = chunks.Count;
        try
        {
            ParseChunk(payload, chunks);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            chunks.RemoveRange(before, chunks.Count - before);
            throw new BackendException(BackendFailure.Broken, "The model server sent an event that is not a completion chunk.", null, e);
        }
    }

    /// <summary>The event's top-level <c>id</c>, or null when it has none or is not JSON (only telemetry asks).</summary>
    public static string? ReadId(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static void ParseChunk(ReadOnlySpan<byte> payload, List<CompletionChunk> chunks)
    {
        var reader = new Utf8JsonReader(payload);
        Expect(ref reader, JsonTokenType.StartObject);
        CompletionUsage? usage = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                if (Next(ref reader) == JsonTokenType.StartArray)
                {
                    while (Next(ref reader) == JsonTokenType.StartObject)
                    {
                        chunks.Add(ReadChoice(ref reader));
                    }

                    Require(reader.TokenType == JsonTokenType.EndArray);
                }
                else
                {
                    Require(reader.TokenType == JsonTokenType.Null);
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                usage = Next(ref reader) == JsonTokenType.StartObject ? ReadUsage(ref reader) : null;
                Require(usage is not null || reader.TokenType == JsonTokenType.Null);
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        Require(reader.TokenType == JsonTokenType.EndObject);
        if (usage is not null)
        {
            chunks.Add(new CompletionChunk(0, "", null, null, usage));
        }
    }

    private static CompletionChunk ReadChoice(ref Utf8JsonReader reader)
    {
        var (index, text, finish, stop) = (0, "", (string?)null, (string?)null);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                Next(ref reader);
                index = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                text = Next(ref reader) == JsonTokenType.String ? reader.GetString()! : "";
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                finish = Next(ref reader) == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                // A matched stop string, or the id of a stop token (printed as vLLM prints it).
                stop = Next(ref reader) switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        Require(reader.TokenType == JsonTokenType.EndObject);
        return new CompletionChunk(index, text, finish, stop, null);
    }

    private static CompletionUsage ReadUsage(ref Utf8JsonReader reader)
    {
        int? prompt = null;
        var completion = 0;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                Next(ref reader);
                prompt = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = Next(ref reader) == JsonTokenType.Number ? reader.GetInt32() : 0;
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        Require(reader.TokenType == JsonTokenType.EndObject && prompt is not null);
        return new CompletionUsage(prompt!.Value, completion);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        Require(reader.Read());
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type) => Require(Next(ref reader) == type);

    private static void Require(bool condition)
    {
        if (!condition)
        {
            throw new FormatException("Unexpected JSON in a completion chunk.");
        }
    }
}
