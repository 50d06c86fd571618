using System.Text.Json;

namespace Aspire70B.ApiService.Errors;

/// <summary>
/// An error in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, with the HTTP status it travels
/// with. Every failure the gateway reports takes this form, so the official SDKs surface it as a typed exception.
/// </summary>
internal sealed record OpenAIError(int Status, string Message, string Type, string? Param = null, string? Code = null)
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string RateLimit = "rate_limit_error";
    public const string Server = "server_error";

    public static OpenAIError BadRequest(string message, string? param = null) => new(400, message, InvalidRequest, param);

    public static OpenAIError NotFound(string message, string? param = null) => new(404, message, InvalidRequest, param, "model_not_found");

    public static OpenAIError Unauthorized(string message) => new(401, message, Authentication, null, "invalid_api_key");

    public static OpenAIError TooLarge(long limit) =>
        new(413, $"The request body exceeds the limit of {limit:N0} bytes.", InvalidRequest, null, "request_too_large");

    public static OpenAIError TooManyRequests(TimeSpan retryAfter) =>
        new(429, $"Rate limit reached for this API key. Retry after {Math.Ceiling(retryAfter.TotalSeconds):0} s.", RateLimit, null, "rate_limit_exceeded");

    public static OpenAIError BadGateway(string message) => new(502, message, Server, null, "bad_gateway");

    public static OpenAIError Unavailable(string message) => new(503, message, Server, null, "service_unavailable");

    public static OpenAIError Timeout(string message) => new(504, message, Server, null, "timeout");

    public static OpenAIError Internal(string message) => new(500, message, Server);

    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", Message);
        writer.WriteString("type", Type);
        WriteNullable(writer, "param", Param);
        WriteNullable(writer, "code", Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public byte[] ToJsonBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        return buffer.ToArray();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}

/// <summary>Thrown inside the pipeline to end a request with an OpenAI error.</summary>
internal sealed class OpenAIErrorException(OpenAIError error, TimeSpan? retryAfter = null) : Exception(error.Message)
{
    public OpenAIError Error { get; } = error;

    /// <summary>When set, the response carries <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
