using System.Net;

namespace Aspire70B.Connector;

/// <summary>
/// A failure reported by the Aspire70B gateway: a non-success HTTP status with OpenAI's error object, an error event
/// in the middle of a streamed answer, or a stream that ended without its final <c>[DONE]</c>.
/// </summary>
public sealed class Aspire70BException : Exception
{
    /// <summary>Creates an exception with a message only.</summary>
    public Aspire70BException()
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    public Aspire70BException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the failure that caused it.</summary>
    public Aspire70BException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// The HTTP status the gateway answered with; null when the failure came after a streamed answer had started
    /// (the response itself was 200).
    /// </summary>
    public HttpStatusCode? StatusCode { get; init; }

    /// <summary>OpenAI's <c>error.type</c>, such as <c>invalid_request_error</c> or <c>server_error</c>.</summary>
    public string? ErrorType { get; init; }

    /// <summary>OpenAI's <c>error.code</c>, such as <c>model_not_found</c> or <c>service_unavailable</c>.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>OpenAI's <c>error.param</c>: the request parameter at fault, such as <c>temperature</c>.</summary>
    public string? Param { get; init; }

    /// <summary>How long the gateway asked the caller to wait (<c>Retry-After</c>) before trying again, for 429 and 503.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Whether the failure arrived after a streamed answer had started, so part of the answer was already delivered.</summary>
    public bool MidStream { get; init; }
}
