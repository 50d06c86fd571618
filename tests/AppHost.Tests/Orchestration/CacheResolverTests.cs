using Aspire70B.AppHost.Cache;

namespace Aspire70B.AppHost.Tests.Orchestration;

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
        var choice = await CacheResolver.ResolveAsync(new CacheProbes("cache.internal:6380,password=x", OnPath("redis-server", "docker"), Docker(true)), default);

        Assert.Equal(CacheSource.Configured, choice.Source);
        Assert.Equal("cache.internal:6380,password=x", choice.ConfiguredConnectionString);
        Assert.Equal("ConnectionStrings:cache is set; using that server, starting none.", choice.Reason);
    }

    [Fact]
    public async Task RedisServerOnPathComesBeforeDocker()
    {
        var calls = new List<string>();
        var choice = await CacheResolver.ResolveAsync(new CacheProbes(null, OnPath("redis-server", "docker"), Docker(true, calls)), default);

        Assert.Equal(CacheSource.RedisServer, choice.Source);
        Assert.Equal("/usr/bin/redis-server", choice.RedisServerPath);
        Assert.Equal("redis-server found on PATH (/usr/bin/redis-server); running it without persistence.", choice.Reason);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task ADockerEngineThatAnswersComesBeforeGarnet()
    {
        var choice = await CacheResolver.ResolveAsync(new CacheProbes("", OnPath("docker"), Docker(true)), default);

        Assert.Equal(CacheSource.Docker, choice.Source);
        Assert.Equal("no redis-server on PATH; a Docker engine answers, running redis:7.4-alpine.", choice.Reason);
    }

    [Fact]
    public async Task GarnetWhenDockerIsPresentButNoEngineAnswers()
    {
        var choice = await CacheResolver.ResolveAsync(new CacheProbes(null, OnPath("docker"), Docker(false)), default);

        Assert.Equal(CacheSource.Garnet, choice.Source);
        Assert.Equal("no redis-server on PATH and docker is on PATH but no engine answers; running Garnet from the tool manifest (.config/dotnet-tools.json).", choice.Reason);
    }

    [Fact]
    public async Task GarnetWithoutAskingDockerWhenItIsNotInstalled()
    {
        var calls = new List<string>();
        var choice = await CacheResolver.ResolveAsync(new CacheProbes(null, OnPath(), Docker(true, calls)), default);

        Assert.Equal(CacheSource.Garnet, choice.Source);
        Assert.Equal("no redis-server on PATH and no docker on PATH; running Garnet from the tool manifest (.config/dotnet-tools.json).", choice.Reason);
        Assert.Empty(calls);
    }

    [Theory]
    [InlineData("127.0.0.1:6380", "127.0.0.1", 6380)]
    [InlineData("cache.internal:7000,password=secret,ssl=true", "cache.internal", 7000)]
    [InlineData("localhost", "localhost", 6379)]
    public void TheConfiguredServerIsCheckedAtItsFirstEndpoint(string connectionString, string host, int port)
    {
        Assert.Equal((host, port), CacheResource.HostAndPort(connectionString));
    }
}
