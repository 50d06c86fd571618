namespace Aspire70B.Hosting.Cache;

/// <summary>Where the Redis-compatible cache comes from.</summary>
public enum CacheSource
{
    /// <summary><c>ConnectionStrings:cache</c> was given: the AppHost starts nothing and connects to it.</summary>
    Configured,

    /// <summary>The <c>redis</c> container through Aspire.Hosting.Redis, when a container runtime answers.</summary>
    Container,

    /// <summary><c>redis-server</c> on PATH.</summary>
    RedisServer,

    /// <summary>Garnet: the repository's GarnetServer project (Microsoft.Garnet as a library).</summary>
    Garnet,
}

/// <summary>The resolver's decision and the reason it gives the user.</summary>
/// <param name="Source">Which kind of server.</param>
/// <param name="Reason">One sentence: why this one (and why not the ones before it).</param>
/// <param name="ConfiguredConnectionString">For <see cref="CacheSource.Configured"/>: the connection string as given.</param>
/// <param name="RedisServerPath">For <see cref="CacheSource.RedisServer"/>: the executable.</param>
public sealed record CacheChoice(CacheSource Source, string Reason, string? ConfiguredConnectionString = null, string? RedisServerPath = null)
{
    /// <summary>The container image used when a container runtime answers (Aspire.Hosting.Redis's).</summary>
    public const string RedisImage = "redis (Aspire.Hosting.Redis)";

    /// <summary>A word for the dashboard: configured, container, redis-server or garnet.</summary>
    public string Label => Source switch
    {
        CacheSource.Configured => "configured",
        CacheSource.Container => "container",
        CacheSource.RedisServer => "redis-server",
        _ => "garnet",
    };
}
