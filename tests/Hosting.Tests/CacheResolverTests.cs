using Aspire70B.Hosting.Cache;

namespace Aspire70B.Hosting.Tests;

public sealed class CacheResolverTests
{
    private static Func<string, string?> OnPath(params string[] names) =>
        name => names.Contains(name) ? $"/usr/bin/{name}" : null;

    private static Func<CancellationToken, Task<bool>> Docker(bool answers, List<string>? calls = null) => _ =>
    {
        calls?.Add("docker info");
        return Task.FromResult(answers);
    };

    [Fact]
    public async Task AConfiguredConnectionStringWinsOverEverythingOnThisMachine()
    {
        var calls = new List<string>();
        var choice = await CacheResolver.ResolveAsync("cache", new CacheProbes("cache.internal:6380,password=x", OnPath("redis-server", "docker"), Docker(true, calls)), default);

        Assert.Equal(CacheSource.Configured, choice.Source);
        Assert.Equal("cache.internal:6380,password=x", choice.ConfiguredConnectionString);
        Assert.Equal("ConnectionStrings:cache is set; using that server, starting none.", choice.Reason);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task AContainerRuntimeThatAnswersComesBeforeRedisServer()
    {
        var choice = await CacheResolver.ResolveAsync("cache", new CacheProbes(null, OnPath("redis-server", "docker"), Docker(true)), default);

        Assert.Equal(CacheSource.Container, choice.Source);
        Assert.Equal("a container runtime answers; running redis (Aspire.Hosting.Redis).", choice.Reason);
    }

    [Fact]
    public async Task RedisServerWhenDockerIsPresentButNoEngineAnswers()
    {
        var choice = await CacheResolver.ResolveAsync("batches", new CacheProbes("", OnPath("redis-server", "docker"), Docker(false)), default);

        Assert.Equal(CacheSource.RedisServer, choice.Source);
        Assert.Equal("/usr/bin/redis-server", choice.RedisServerPath);
        Assert.Equal("docker is on PATH but no engine answers; running redis-server from PATH (/usr/bin/redis-server).", choice.Reason);
    }

    [Fact]
    public async Task GarnetWithoutAskingDockerWhenNeitherIsInstalled()
    {
        var calls = new List<string>();
        var choice = await CacheResolver.ResolveAsync("cache", new CacheProbes(null, OnPath(), Docker(true, calls)), default);

        Assert.Equal(CacheSource.Garnet, choice.Source);
        Assert.Equal("no container runtime on PATH and no redis-server on PATH; running Garnet from the tool manifest (.config/dotnet-tools.json).", choice.Reason);
        Assert.Empty(calls);
    }
}
