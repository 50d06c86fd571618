using Aspire70B.ApiService.Caching;
using Aspire70B.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Tests.Caching;

/// <summary>The Redis store against real servers: redis-server and Garnet.</summary>
public sealed class RedisPromptCacheStoreTests
{
    private static RedisPromptCacheStore Store(RedisServer server, TimeSpan? timeout = null) => new(
        server.ConnectionString,
        Options.Create(new PromptCacheOptions { OperationTimeout = timeout ?? TimeSpan.FromMilliseconds(500), KeyPrefix = $"test:{Guid.NewGuid():N}:" }),
        NullLogger<RedisPromptCacheStore>.Instance);

    private static async Task WaitHealthyAsync(IPromptCacheStore store)
    {
        for (var i = 0; i < 100 && store.State != PromptCacheState.Healthy; i++)
        {
            await store.GetAsync("probe", CancellationToken.None);
            await Task.Delay(50);
        }

        Assert.Equal(PromptCacheState.Healthy, store.State);
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task StoredBytesComeBackUntilTheyExpire(RedisKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind);
        using var store = Store(server);
        await WaitHealthyAsync(store);
        byte[] value = [1, 2, 3, 0, 255];

        Assert.Null(await store.GetAsync("k", CancellationToken.None));
        await store.SetAsync("k", value, TimeSpan.FromMilliseconds(600), CancellationToken.None);
        Assert.Equal(value, await store.GetAsync("k", CancellationToken.None));

        await Task.Delay(1500);
        Assert.Null(await store.GetAsync("k", CancellationToken.None));
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task AKilledServerIsAMissAndADegradedStateThenRecoversByItself(RedisKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind);
        using var store = Store(server, TimeSpan.FromMilliseconds(200));
        await WaitHealthyAsync(store);
        await store.SetAsync("k", [42], TimeSpan.FromMinutes(1), CancellationToken.None);

        await server.StopAsync();
        var started = DateTime.UtcNow;
        Assert.Null(await store.GetAsync("k", CancellationToken.None));
        await store.SetAsync("other", [1], TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "a dead cache must not stall requests");
        Assert.Equal(PromptCacheState.Degraded, store.State);
        Assert.NotNull(store.LastError);

        await server.StartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (store.State != PromptCacheState.Healthy && DateTime.UtcNow < deadline)
        {
            await store.SetAsync("k2", [7], TimeSpan.FromMinutes(1), CancellationToken.None);
            await Task.Delay(200);
        }

        Assert.Equal(PromptCacheState.Healthy, store.State);
        Assert.Equal([7], await store.GetAsync("k2", CancellationToken.None));
    }

    [Fact]
    public async Task AStoreThatCannotConnectServesMissesWithoutWaiting()
    {
        using var store = new RedisPromptCacheStore(
            "127.0.0.1:1", Options.Create(new PromptCacheOptions { OperationTimeout = TimeSpan.FromMilliseconds(100) }), NullLogger<RedisPromptCacheStore>.Instance);
        var started = DateTime.UtcNow;

        Assert.Null(await store.GetAsync("k", CancellationToken.None));
        await store.SetAsync("k", [1], TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
        Assert.Equal(PromptCacheState.Degraded, store.State);
    }

    [Fact]
    public async Task TheCallersCancellationIsNotSwallowed()
    {
        await using var server = await RedisServer.StartAsync(RedisKind.Garnet);
        using var store = Store(server);
        await WaitHealthyAsync(store);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.GetAsync("k", cancelled.Token));
    }
}
