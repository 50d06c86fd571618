namespace Aspire70B.ApiService.Backend;

/// <summary>The HTTP handler of the model-server client: pooled connections, a short connect timeout, no redirects.</summary>
internal static class ModelServerHandler
{
    /// <summary>
    /// How long an idle connection is kept: under vLLM's keep-alive timeout (<c>VLLM_HTTP_TIMEOUT_KEEP_ALIVE</c>, 5 s by
    /// default), so the pool drops a connection before the server closes it rather than racing the close with a request.
    /// It also lets the connections of a burst go (a thousand concurrent streams leave a thousand idle connections).
    /// </summary>
    public static TimeSpan IdleTimeout => TimeSpan.FromSeconds(4);

    /// <summary>
    /// A new handler. It never follows a redirect: Modal's 303 for a request held through a cold start would turn the
    /// POST into a GET; <see cref="VllmCompletionsClient"/> treats it as a cold start and sends the POST again.
    /// </summary>
    public static SocketsHttpHandler Create() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = IdleTimeout,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        AllowAutoRedirect = false,
    };
}
