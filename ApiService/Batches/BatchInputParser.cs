using System.Text;
using System.Text.Json;
using Aspire70B.ApiService.Chat;
using Aspire70B.ApiService.Errors;

namespace Aspire70B.ApiService.Batches;

/// <summary>
/// Reads a batch submission: JSONL (one request per line) or a JSON array, each request
/// <c>{"custom_id", "body"}</c>, optionally with OpenAI's <c>"method": "POST", "url": "/v1/chat/completions"</c>.
/// Every problem is a 400 naming the line; nothing is stored unless the whole batch is valid.
/// </summary>
internal static class BatchInputParser
{
    private const string ChatUrl = "/v1/chat/completions";

    public static List<KeyValuePair<string, string>> Parse(ReadOnlyMemory<byte> input, int maxRequests)
    {
        if (JsonTextGuard.CheckEncoding(input.Span) is { } encoding)
        {
            throw Bad(encoding.Replace("request body", "batch", StringComparison.Ordinal));
        }

        var text = Encoding.UTF8.GetString(input.Span).Trim();
        if (text.Length == 0)
        {
            throw Bad("The batch is empty.");
        }

        var items = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (text[0] == '[')
        {
            using var document = Parse(text, "the batch");
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                Add(element, $"item {index++}", items, seen, maxRequests);
            }
        }
        else
        {
            var line = 0;
            foreach (var raw in text.Split('\n'))
            {
                line++;
                if (raw.Trim().Length == 0)
                {
                    continue;
                }

                using var document = Parse(raw, $"line {line}");
                Add(document.RootElement, $"line {line}", items, seen, maxRequests);
            }
        }

        return items.Count == 0 ? throw Bad("The batch is empty.") : items;
    }

    private static void Add(JsonElement element, string where, List<KeyValuePair<string, string>> items, HashSet<string> seen, int maxRequests)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"{where}: each request must be a JSON object with custom_id and body.");
        }

        if (!element.TryGetProperty("custom_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } customId)
        {
            throw Bad($"{where}: 'custom_id' must be a non-empty string.");
        }

        if (customId.Any(char.IsControl))
        {
            throw Bad($"{where}: 'custom_id' must not contain control characters.");
        }

        if (element.TryGetProperty("url", out var url) && (url.ValueKind != JsonValueKind.String || url.GetString() != ChatUrl))
        {
            throw Bad($"{where}: only {ChatUrl} is supported, got {url.GetRawText()}.");
        }

        if (element.TryGetProperty("method", out var method) && (method.ValueKind != JsonValueKind.String || method.GetString() != "POST"))
        {
            throw Bad($"{where}: 'method' must be POST.");
        }

        if (!element.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"{where}: 'body' must be a chat completion request object.");
        }

        if (body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            throw Bad($"{where}: batch requests cannot stream.");
        }

        if (!seen.Add(customId))
        {
            throw Bad($"{where}: duplicate custom_id '{customId}'.");
        }

        if (items.Count == maxRequests)
        {
            throw Bad($"The batch has more than {maxRequests:N0} requests.");
        }

        items.Add(KeyValuePair.Create(customId, body.GetRawText()));
    }

    private static JsonDocument Parse(string json, string where)
    {
        try
        {
            var document = JsonDocument.Parse(json);
            if (JsonTextGuard.CheckStrings(document.RootElement) is { } problem)
            {
                document.Dispose();
                throw Bad($"{where}: {problem.Replace("The request body contains", "contains", StringComparison.Ordinal)}");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw Bad($"{where} is not valid JSON: {e.Message}");
        }
    }

    private static OpenAIErrorException Bad(string message) => new(OpenAIError.BadRequest(message, "input"));
}
