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
    public async Task GarnetRunsFromTheToolManifestAfterARestoreAndRecoversItsAppendOnlyFile()
    {
        var builder = DistributedApplication.CreateBuilder();
        var data = Path.Combine(Path.GetTempPath(), "aspire70b-test-garnet");
        var garnet = builder.AddGarnet("batches", "/repo", data);
        Allocate(garnet.Resource, 16381);

        Assert.Equal(("dotnet", "/repo"), (garnet.Resource.Command, garnet.Resource.WorkingDirectory));
        Assert.Equal(
            ["tool", "run", "garnet-server", "--", "--bind", "127.0.0.1", "--port", "16381",
             "--aof", "--aof-commit-freq", "0", "--checkpointdir", data, "--logdir", data, "--device-type", "RandomAccess", "--recover"],
            await garnet.Resource.GetArgumentValuesAsync());
        var restore = builder.Resources.OfType<ExecutableResource>().Single(r => r.Name == "batches-tools");
        Assert.Equal(["tool", "restore"], await restore.GetArgumentValuesAsync());
        Assert.Contains(garnet.Resource.Annotations.OfType<WaitAnnotation>(), w => w.Resource == restore && w.WaitType == WaitType.WaitForCompletion);
    }

    [Fact]
    public async Task TheChoiceIsAddedAsTheKindItNamesAndTheCacheHasItsFlushCommand()
    {
        var builder = DistributedApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:cache"] = "cache.internal:6380";
        var configured = builder.AddRedisCompatible("cache", new CacheChoice(CacheSource.Configured, "set"), "/repo").WithFlushPromptCacheCommand();
        var redis = builder.AddRedisCompatible("batches", new CacheChoice(CacheSource.RedisServer, "on PATH", RedisServerPath: "/usr/bin/redis-server"), "/repo");

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
