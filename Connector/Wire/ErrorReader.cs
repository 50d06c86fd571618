using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Aspire70B.Connector.Wire;

/// <summary>Turns OpenAI's error object, <c>{"error":{"message","type","param","code"}}</c>, into an <see cref="Aspire70BException"/>.</summary>
internal static class ErrorReader
{
    /// <summary>The exception for a non-success response, from its body (read whole: error bodies are small).</summary>
    public static async Task<Aspire70BException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var retryAfter = RetryAfter(response.Headers.RetryAfter);
        if (TryParse(body, out var error))
        {
            return Create(error, response.StatusCode, retryAfter, midStream: false);
        }

        var text = string.IsNullOrWhiteSpace(body) ? response.ReasonPhrase ?? "no body" : body.Trim();
        return new Aspire70BException($"The gateway answered {(int)response.StatusCode}: {text}")
        {
            StatusCode = response.StatusCode,
            RetryAfter = retryAfter,
        };
    }

    /// <summary>Whether a streamed event is an error event, and then the exception it carries.</summary>
    public static bool TryReadStreamError(JsonElement chunk, out Aspire70BException? exception)
    {
        if (chunk.ValueKind == JsonValueKind.Object && chunk.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            exception = Create(error, null, null, midStream: true);
            return true;
        }

        exception = null;
        return false;
    }

    private static bool TryParse(string body, out JsonElement error)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                error = e.Clone();
                return true;
            }
        }
        catch (JsonException)
        {
            // Not OpenAI's error object: the caller reports the raw body.
        }

        error = default;
        return false;
    }

    private static Aspire70BException Create(JsonElement error, HttpStatusCode? status, TimeSpan? retryAfter, bool midStream) =>
        new(WireValues.String(error, "message") ?? "The gateway reported an error without a message.")
        {
            StatusCode = status,
            ErrorType = WireValues.String(error, "type"),
            ErrorCode = WireValues.String(error, "code"),
            Param = WireValues.String(error, "param"),
            RetryAfter = retryAfter,
            MidStream = midStream,
        };

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };
}
