using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Aspire70B.Connector.Gateway;

/// <summary>Turns OpenAI's error object, <c>{"error":{"message","type","param","code"}}</c>, into an <see cref="Aspire70BException"/>.</summary>
internal static class GatewayErrors
{
    /// <summary>The exception for a non-success response, from its buffered body and its <c>Retry-After</c>.</summary>
    public static Aspire70BException FromResponse(PipelineResponse response, TimeProvider time)
    {
        var status = (HttpStatusCode)response.Status;
        var retryAfter = response.Headers.TryGetValue("Retry-After", out var header) ? RetryAfter(header, time) : null;
        var body = response.Content.ToMemory();
        if (TryReadError(body.Span, out var error))
        {
            return Create(error, status, retryAfter, midStream: false);
        }

        var text = System.Text.Encoding.UTF8.GetString(body.Span).Trim();
        return new Aspire70BException($"The gateway answered {response.Status}: {(text.Length > 0 ? text : response.ReasonPhrase)}")
        {
            StatusCode = status,
            RetryAfter = retryAfter,
        };
    }

    /// <summary>The exception an error event of a stream carries, or null when <paramref name="json"/> is not one.</summary>
    public static Aspire70BException? FromStreamEvent(ReadOnlySpan<byte> json) =>
        TryReadError(json, out var error) ? Create(error, null, null, midStream: true) : null;

    /// <summary><c>Retry-After</c> as seconds or as an HTTP date, never negative.</summary>
    public static TimeSpan? RetryAfter(string? header, TimeProvider time) =>
        RetryConditionHeaderValue.TryParse(header, out var value) ? value switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        } : null;

    private static bool TryReadError(ReadOnlySpan<byte> json, out JsonElement error)
    {
        error = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!JsonElement.TryParseValue(ref reader, out var root) || root.Value.ValueKind != JsonValueKind.Object
                || !root.Value.TryGetProperty("error", out var e) || e.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            error = e;
            return true;
        }
        catch (JsonException)
        {
            // Not OpenAI's error object: the caller reports the raw body.
            return false;
        }
    }

    private static Aspire70BException Create(JsonElement error, HttpStatusCode? status, TimeSpan? retryAfter, bool midStream) =>
        new(String(error, "message") ?? "The gateway reported an error without a message.")
        {
            StatusCode = status,
            ErrorType = String(error, "type"),
            ErrorCode = String(error, "code"),
            Param = String(error, "param"),
            RetryAfter = retryAfter,
            MidStream = midStream,
        };

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
