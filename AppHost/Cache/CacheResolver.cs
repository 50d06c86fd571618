namespace Aspire70B.AppHost.Cache;

/// <summary>What the resolver may look at; tests pass fakes.</summary>
/// <param name="ConfiguredConnectionString">The value of <c>ConnectionStrings:cache</c>, if any.</param>
/// <param name="FindOnPath">Finds an executable on PATH, or null.</param>
/// <param name="DockerAnswersAsync">Whether a Docker engine answers (<c>docker info</c> succeeds).</param>
internal sealed record CacheProbes(string? ConfiguredConnectionString, Func<string, string?> FindOnPath, Func<CancellationToken, Task<bool>> DockerAnswersAsync);

/// <summary>
/// Picks the cache, in order: a configured <c>ConnectionStrings:cache</c> → <c>redis-server</c> on PATH → a Docker
/// engine that answers → Garnet from the repository's tool manifest, which needs only the .NET SDK.
/// </summary>
internal static class CacheResolver
{
    public static async Task<CacheChoice> ResolveAsync(CacheProbes probes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probes);
        if (probes.ConfiguredConnectionString is { Length: > 0 } configured)
        {
            return new CacheChoice(CacheSource.Configured, "ConnectionStrings:cache is set; using that server, starting none.", ConfiguredConnectionString: configured);
        }

        if (probes.FindOnPath("redis-server") is { } redis)
        {
            return new CacheChoice(CacheSource.RedisServer, $"redis-server found on PATH ({redis}); running it without persistence.", RedisServerPath: redis);
        }

        if (probes.FindOnPath("docker") is not null && await probes.DockerAnswersAsync(cancellationToken))
        {
            return new CacheChoice(CacheSource.Docker, $"no redis-server on PATH; a Docker engine answers, running {CacheChoice.RedisImage}.");
        }

        var docker = probes.FindOnPath("docker") is null ? "no docker on PATH" : "docker is on PATH but no engine answers";
        return new CacheChoice(CacheSource.Garnet, $"no redis-server on PATH and {docker}; running Garnet from the tool manifest (.config/dotnet-tools.json).");
    }
}
