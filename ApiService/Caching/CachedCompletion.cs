using System.Buffers;
using System.Text.Json;
using Aspire70B.ApiService.Backend;

namespace Aspire70B.ApiService.Caching;

/// <summary>One choice of a finished completion: the model's raw text and how it ended.</summary>
internal sealed record CachedChoice(int Index, string Text, string FinishReason, string? StopReason);

/// <summary>
/// A finished completion as stored in the cache: raw model text per choice (the response mapping runs again on a
/// hit, so a cached entry replays in either streaming or plain mode), and the token counts of the original call.
/// </summary>
internal sealed record CachedCompletion(IReadOnlyList<CachedChoice> Choices, CompletionUsage Usage)
{
    private const int FormatVersion = 1;

    public byte[] Serialize()
    {
        var buffer = new ArrayBufferWriter<byte>(256 + Choices.Sum(c => c.Text.Length));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", FormatVersion);
            w.WriteNumber("prompt_tokens", Usage.PromptTokens);
            w.WriteNumber("completion_tokens", Usage.CompletionTokens);
            w.WriteStartArray("choices");
            foreach (var choice in Choices)
            {
                w.WriteStartObject();
                w.WriteNumber("index", choice.Index);
                w.WriteString("text", choice.Text);
                w.WriteString("finish_reason", choice.FinishReason);
                if (choice.StopReason is null)
                {
                    w.WriteNull("stop_reason");
                }
                else
                {
                    w.WriteString("stop_reason", choice.StopReason);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an entry; a malformed or other-version entry is a miss, never an error.</summary>
    public static CachedCompletion? TryDeserialize(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.GetProperty("v").GetInt32() != FormatVersion)
            {
                return null;
            }

            var choices = root.GetProperty("choices").EnumerateArray()
                .Select(c => new CachedChoice(
                    c.GetProperty("index").GetInt32(),
                    c.GetProperty("text").GetString()!,
                    c.GetProperty("finish_reason").GetString()!,
                    c.GetProperty("stop_reason").ValueKind == JsonValueKind.String ? c.GetProperty("stop_reason").GetString() : null))
                .ToList();
            return new CachedCompletion(choices, new CompletionUsage(root.GetProperty("prompt_tokens").GetInt32(), root.GetProperty("completion_tokens").GetInt32()));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
