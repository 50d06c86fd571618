namespace Aspire70B.Connector;

/// <summary>The connector's primary HTTP handler.</summary>
internal static class Aspire70BHttp
{
    /// <summary>
    /// A handler that closes a response the caller stopped reading instead of draining it: an abandoned stream must
    /// reach the gateway as an abort at once, so the model stops generating for nobody.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        MaxResponseDrainSize = 0,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };
}
