namespace Aspire70B.Hosting.Cache;

/// <summary>What the resolver may look at; tests pass fakes.</summary>
/// <param name="ConfiguredConnectionString">The value of <c>ConnectionStrings:{name}</c>, if any.</param>
/// <param name="FindOnPath">Finds an executable on PATH, or null.</param>
/// <param name="ContainerRuntimeAnswers">Whether a container runtime answers (<c>docker info</c> succeeds; see <see cref="DockerProbe"/>).</param>
public sealed record CacheProbes(string? ConfiguredConnectionString, Func<string, string?> FindOnPath, bool ContainerRuntimeAnswers);

/// <summary>
/// Picks a Redis-compatible server, in order: a configured connection string → a Redis container when a container runtime
/// answers → <c>redis-server</c> on PATH → Garnet (the GarnetServer project, Microsoft.Garnet as a library), which needs
/// only .NET.
/// </summary>
public static class CacheResolver
{
    /// <summary>The choice for the resource <paramref name="name"/>, with the reason shown in the dashboard.</summary>
    public static CacheChoice Resolve(string name, CacheProbes probes)
    {
        ArgumentNullException.ThrowIfNull(probes);
        if (probes.ConfiguredConnectionString is { Length: > 0 } configured)
        {
            return new CacheChoice(CacheSource.Configured, $"ConnectionStrings:{name} is set; using that server, starting none.", ConfiguredConnectionString: configured);
        }

        var docker = probes.FindOnPath("docker");
        if (docker is not null && probes.ContainerRuntimeAnswers)
        {
            return new CacheChoice(CacheSource.Container, $"a container runtime answers; running {CacheChoice.RedisImage}.");
        }

        var noContainers = docker is null ? "no container runtime on PATH" : "docker is on PATH but no engine answers";
        if (probes.FindOnPath("redis-server") is { } redis)
        {
            return new CacheChoice(CacheSource.RedisServer, $"{noContainers}; running redis-server from PATH ({redis}).", RedisServerPath: redis);
        }

        return new CacheChoice(CacheSource.Garnet, $"{noContainers} and no redis-server on PATH; running Garnet (the GarnetServer project).");
    }
}
