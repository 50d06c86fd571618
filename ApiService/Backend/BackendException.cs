namespace Aspire70B.ApiService.Backend;

/// <summary>How a model-server call failed, which decides what the client sees and whether to retry.</summary>
internal enum BackendFailure
{
    /// <summary>The model server refused the request (4xx other than auth): the client's fault, passed on as 400.</summary>
    Rejected,

    /// <summary>The model server refused the gateway's credentials: a deployment fault, 502, nothing leaked.</summary>
    Unauthorized,

    /// <summary>Connection refused or reset, 5xx, 429: may succeed on retry; 503 once retries are spent.</summary>
    Unavailable,

    /// <summary>No first token, or too long a gap between chunks, or the whole response too slow.</summary>
    Timeout,

    /// <summary>The stream ended without a finish, or carried an error event, after output had started.</summary>
    Broken,

    /// <summary>
    /// The model server is cold-starting: Modal answered 303 (a request it held 150 s without a response) or held the
    /// request past the first-token timeout. Retried until the request's deadline; then 503 with <c>Retry-After</c>.
    /// </summary>
    ColdStart,

    /// <summary>The model server answered with a redirect other than Modal's cold-start 303, which the gateway never follows: 502.</summary>
    Redirected,
}

/// <summary>A model-server call that failed. The message is safe to show a client; it never carries credentials.</summary>
internal sealed class BackendException(BackendFailure failure, string message, int? upstreamStatus = null, Exception? inner = null)
    : Exception(message, inner)
{
    public BackendFailure Failure { get; } = failure;

    /// <summary>The model server's HTTP status, when it answered.</summary>
    public int? UpstreamStatus { get; } = upstreamStatus;

    public bool IsTransient => Failure is BackendFailure.Unavailable;
}
