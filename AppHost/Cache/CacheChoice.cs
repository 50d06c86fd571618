namespace Aspire70B.AppHost.Cache;

/// <summary>Where the Redis-compatible cache comes from.</summary>
internal enum CacheSource
{
    /// <summary><c>ConnectionStrings:cache</c> was given: the AppHost starts nothing and connects to it.</summary>
    Configured,

    /// <summary><c>redis-server</c> on PATH, ephemeral (no RDB, no AOF).</summary>
    RedisServer,

    /// <summary>The <c>redis</c> container, when a Docker engine answers.</summary>
    Docker,

    /// <summary>Garnet from the repository's dotnet tool manifest (no persistence by default).</summary>
    Garnet,
}

/// <summary>The resolver's decision and the reason it gives the user.</summary>
/// <param name="Source">Which kind of server.</param>
/// <param name="Reason">One sentence: why this one (and why not the ones before it).</param>
/// <param name="ConfiguredConnectionString">For <see cref="CacheSource.Configured"/>: the connection string as given.</param>
/// <param name="RedisServerPath">For <see cref="CacheSource.RedisServer"/>: the executable.</param>
internal sealed record CacheChoice(CacheSource Source, string Reason, string? ConfiguredConnectionString = null, string? RedisServerPath = null)
{
    /// <summary>The container image used when Docker answers.</summary>
    public const string RedisImage = "redis:7.4-alpine";

    public string Label => Source switch
    {
        CacheSource.Configured => "configured",
        CacheSource.RedisServer => "redis-server",
        CacheSource.Docker => "docker",
        _ => "garnet",
    };
}
