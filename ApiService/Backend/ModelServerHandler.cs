namespace Aspire70B.ApiService.Backend;

/// <summary>The HTTP handler of the model-server client: pooled connections, a short connect timeout, no redirects.</summary>
internal static class ModelServerHandler
{
    /// <summary>
    /// A new handler. It never follows a redirect: Modal's 303 for a request held through a cold start would turn the
    /// POST into a GET; <see cref="VllmCompletionsClient"/> treats it as a cold start and sends the POST again.
    /// </summary>
    public static SocketsHttpHandler Create() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        AllowAutoRedirect = false,
    };
}
