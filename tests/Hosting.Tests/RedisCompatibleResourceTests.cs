using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire70B.Hosting.Cache;

// GetArgumentValuesAsync resolves what DCP would be given, outside a running app.
#pragma warning disable CS0618

namespace Aspire70B.Hosting.Tests;

/// <summary>The Redis-compatible servers as executables: what each is started with, durable or not, and what clients get.</summary>
public sealed class RedisCompatibleResourceTests
{
    [Fact]
    public async Task ThePromptCacheKeepsNothingAndTheBatchStoreKeepsEveryWriteAndEvictsNothing()
    {
        var builder = DistributedApplication.CreateBuilder();
        var cache = builder.AddRedisServer("cache");
        var batches = builder.AddRedisServer("batches", dataDirectory: Path.Combine(Path.GetTempPath(), "aspire70b-test-batches"));
        Allocate(cache.Resource, 16379);
        Allocate(batches.Resource, 16380);

        Assert.Equal(["--bind", "127.0.0.1", "--port", "16379", "--save", "", "--appendonly", "no"], await cache.Resource.GetArgumentValuesAsync());
        Assert.Equal(
            ["--bind", "127.0.0.1", "--port", "16380", "--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction", "--dir", Path.Combine(Path.GetTempPath(), "aspire70b-test-batches")],
            await batches.Resource.GetArgumentValuesAsync());
        Assert.Equal("localhost:16379", await cache.Resource.ConnectionStringExpression.GetValueAsync(default));
        Assert.Single(cache.Resource.Annotations.OfType<HealthCheckAnnotation>());
    }

    [Fact]
    public async Task GarnetRunsAsTheGarnetServerProgramWithoutAToolRestoreAndRecoversItsAppendOnlyFile()
    {
        var builder = DistributedApplication.CreateBuilder();
        var data = Path.Combine(Path.GetTempPath(), "aspire70b-test-garnet");
        var garnet = builder.AddGarnet("batches", "/repo/GarnetServer/bin/Debug/net10.0/Aspire70B.GarnetServer.dll", data);
        var cache = builder.AddGarnet("cache", "/repo/GarnetServer/bin/Debug/net10.0/Aspire70B.GarnetServer.dll");
        Allocate(garnet.Resource, 16381);
        Allocate(cache.Resource, 16382);

        Assert.Equal(("dotnet", "/repo/GarnetServer/bin/Debug/net10.0"), (garnet.Resource.Command, garnet.Resource.WorkingDirectory));
        Assert.Equal(
            ["/repo/GarnetServer/bin/Debug/net10.0/Aspire70B.GarnetServer.dll", "--bind", "127.0.0.1", "--port", "16381",
             "--aof", "--aof-commit-freq", "0", "--checkpointdir", data, "--recover"],
            await garnet.Resource.GetArgumentValuesAsync());
        Assert.Equal(
            ["/repo/GarnetServer/bin/Debug/net10.0/Aspire70B.GarnetServer.dll", "--bind", "127.0.0.1", "--port", "16382"],
            await cache.Resource.GetArgumentValuesAsync());
        Assert.Equal(["batches", "cache"], builder.Resources.Select(r => r.Name).Order());
        Assert.Empty(garnet.Resource.Annotations.OfType<WaitAnnotation>());
    }

    [Fact]
    public async Task TheChoiceIsAddedAsTheKindItNamesAndTheCacheHasItsFlushCommand()
    {
        var builder = DistributedApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:cache"] = "cache.internal:6380";
        var configured = builder.AddRedisCompatible("cache", new CacheChoice(CacheSource.Configured, "set"), "/repo/Aspire70B.GarnetServer.dll").WithFlushPromptCacheCommand();
        var redis = builder.AddRedisCompatible("batches", new CacheChoice(CacheSource.RedisServer, "on PATH", RedisServerPath: "/usr/bin/redis-server"), "/repo/Aspire70B.GarnetServer.dll");

        Assert.IsNotType<RedisCompatibleResource>(configured.Resource);
        Assert.Equal("cache.internal:6380", await configured.Resource.ConnectionStringExpression.GetValueAsync(default));
        Assert.Equal("flush-prompt-cache", configured.Resource.Annotations.OfType<ResourceCommandAnnotation>().Single().Name);
        Assert.Equal("/usr/bin/redis-server", Assert.IsType<RedisCompatibleResource>(redis.Resource).Command);
    }

    private static void Allocate(IResourceWithEndpoints resource, int port)
    {
        var endpoint = resource.Annotations.OfType<EndpointAnnotation>().Single();
        endpoint.TargetPort ??= port;
        endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", port);
    }
}
