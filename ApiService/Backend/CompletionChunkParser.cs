using System.Text.Json;

namespace Aspire70B.ApiService.Backend;

/// <summary>Parses one vLLM <c>/v1/completions</c> stream event into chunks, one per choice, or a usage-only chunk.</summary>
internal static class CompletionChunkParser
{
    public static List<CompletionChunk> Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        CompletionUsage? usage = null;
        if (root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
        {
            usage = new CompletionUsage(u.GetProperty("prompt_tokens").GetInt32(), u.TryGetProperty("completion_tokens", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0);
        }

        var chunks = new List<CompletionChunk>(1);
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                var index = choice.TryGetProperty("index", out var i) ? i.GetInt32() : 0;
                var text = choice.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
                var finish = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
                string? stop = null;
                if (choice.TryGetProperty("stop_reason", out var s))
                {
                    stop = s.ValueKind switch
                    {
                        JsonValueKind.String => s.GetString(),
                        JsonValueKind.Number => s.GetRawText(),
                        _ => null,
                    };
                }

                chunks.Add(new CompletionChunk(index, text, finish, stop, null));
            }
        }

        if (usage is not null)
        {
            chunks.Add(new CompletionChunk(0, "", null, null, usage));
        }

        return chunks;
    }
}
