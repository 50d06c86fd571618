using System.Text.Json;

namespace Aspire70B.ApiService.Backend;

/// <summary>
/// Reads the message out of a vLLM error body in any of its shapes: the newer <c>{"error":{"message",…}}</c>, the
/// older flat <c>{"object":"error","message",…}</c>, and the API-key middleware's <c>{"error":"Unauthorized"}</c>.
/// </summary>
internal static class VllmErrorParser
{
    public static string? TryGetMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return TryGetMessage(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? TryGetMessage(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.String)
            {
                return error.GetString();
            }

            if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var nested) && nested.ValueKind == JsonValueKind.String)
            {
                return nested.GetString();
            }
        }

        if (root.TryGetProperty("message", out var flat) && flat.ValueKind == JsonValueKind.String)
        {
            return flat.GetString();
        }

        return null;
    }
}
