using Aspire70B.Hosting.Cache;

namespace Aspire70B.Hosting.Tests;

public sealed class CacheResolverTests
{
    private static Func<string, string?> OnPath(params string[] names) =>
        name => names.Contains(name) ? $"/usr/bin/{name}" : null;


    [Fact]
    public void AConfiguredConnectionStringWinsOverEverythingOnThisMachine()
    {
        var choice = CacheResolver.Resolve("cache", new CacheProbes("cache.internal:6380,password=x", OnPath("redis-server", "docker"), true));

        Assert.Equal(CacheSource.Configured, choice.Source);
        Assert.Equal("cache.internal:6380,password=x", choice.ConfiguredConnectionString);
        Assert.Equal("ConnectionStrings:cache is set; using that server, starting none.", choice.Reason);
    }

    [Fact]
    public void AContainerRuntimeThatAnswersComesBeforeRedisServer()
    {
        var choice = CacheResolver.Resolve("cache", new CacheProbes(null, OnPath("redis-server", "docker"), true));

        Assert.Equal(CacheSource.Container, choice.Source);
        Assert.Equal("a container runtime answers; running redis (Aspire.Hosting.Redis).", choice.Reason);
    }

    [Fact]
    public void RedisServerWhenDockerIsPresentButNoEngineAnswers()
    {
        var choice = CacheResolver.Resolve("batches", new CacheProbes("", OnPath("redis-server", "docker"), false));

        Assert.Equal(CacheSource.RedisServer, choice.Source);
        Assert.Equal("/usr/bin/redis-server", choice.RedisServerPath);
        Assert.Equal("docker is on PATH but no engine answers; running redis-server from PATH (/usr/bin/redis-server).", choice.Reason);
    }

    [Fact]
    public void GarnetWithoutAskingDockerWhenNeitherIsInstalled()
    {
        var choice = CacheResolver.Resolve("cache", new CacheProbes(null, OnPath(), true));

        Assert.Equal(CacheSource.Garnet, choice.Source);
        Assert.Equal("no container runtime on PATH and no redis-server on PATH; running Garnet (the GarnetServer project).", choice.Reason);
    }
}
