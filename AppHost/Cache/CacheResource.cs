using System.Globalization;
using Aspire70B.AppHost.Hosting;

namespace Aspire70B.AppHost.Cache;

/// <summary>Adds the cache the resolver chose: a process on a free loopback port, or the configured server.</summary>
internal static class CacheResource
{
    public static ResourceBuilder AddCache(this DistributedApplicationBuilder builder, string name, CacheChoice choice)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(choice);
        if (choice.Source == CacheSource.Configured)
        {
            var (host, configuredPort) = HostAndPort(choice.ConfiguredConnectionString!);
            var external = builder.AddExternal(name, $"configured: {choice.Reason}");
            external.Resource.ConnectionString = choice.ConfiguredConnectionString;
            external.Resource.Endpoint = new Uri($"redis://{host}:{configuredPort.ToString(CultureInfo.InvariantCulture)}");
            external.Resource.Readiness = new RedisPingCheck(host, configuredPort);
            return external;
        }

        var port = PortAllocator.FreePort();
        var p = port.ToString(CultureInfo.InvariantCulture);
        var launch = choice.Source switch
        {
            CacheSource.RedisServer => new ProcessLaunch(choice.RedisServerPath!, ["--bind", "127.0.0.1", "--port", p, "--save", "", "--appendonly", "no"]),
            CacheSource.Docker => new ProcessLaunch("docker", ["run", "--rm", "--name", $"aspire70b-cache-{p}", "-p", $"127.0.0.1:{p}:6379",
                CacheChoice.RedisImage, "redis-server", "--save", "", "--appendonly", "no"]),
            _ => new ProcessLaunch(builder.Paths.Dotnet, ["tool", "run", "garnet-server", "--", "--bind", "127.0.0.1", "--port", p], builder.Paths.RepositoryRoot),
        };
        var resource = builder.AddExecutable(name, launch, $"{choice.Label}: {choice.Reason}");
        resource.Resource.ConnectionString = $"127.0.0.1:{p}";
        resource.Resource.Endpoint = new Uri($"redis://127.0.0.1:{p}");
        resource.Resource.Readiness = new RedisPingCheck("127.0.0.1", port);
        if (choice.Source == CacheSource.Docker)
        {
            resource.WithStartupTimeout(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(15));
        }

        return resource;
    }

    /// <summary>The first endpoint of a StackExchange.Redis connection string (<c>host:port,password=…</c>).</summary>
    public static (string Host, int Port) HostAndPort(string connectionString)
    {
        var first = connectionString.Split(',', StringSplitOptions.TrimEntries)[0];
        var colon = first.LastIndexOf(':');
        return colon > 0 && int.TryParse(first.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? (first[..colon], port)
            : (first, 6379);
    }
}
