using System.Diagnostics;
using Aspire70B.ApiService.Caching;
using Aspire70B.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Tests.Caching;

/// <summary>The Redis store on the gateway's own client configuration, against real servers: redis-server and Garnet.</summary>
public sealed class RedisPromptCacheStoreTests
{
    // Tests that do not test the operation budget get 10 s of it: a hit they assert must not turn into a fail-open
    // miss because a loaded machine took longer than the gateway's default budget.
    private static RedisPromptCacheStore Store(RedisClients clients, TimeSpan? timeout = null) => new(
        clients.Cache,
        Options.Create(new PromptCacheOptions { OperationTimeout = timeout ?? TimeSpan.FromSeconds(10), KeyPrefix = $"test:{Guid.NewGuid():N}:" }),
        NullLogger<RedisPromptCacheStore>.Instance);

    private static async Task WaitHealthyAsync(IPromptCacheStore store)
    {
        for (var i = 0; i < 600 && store.State != PromptCacheState.Healthy; i++)
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
        await using var clients = await RedisClients.StartAsync(server.ConnectionString);
        var store = Store(clients);
        await WaitHealthyAsync(store);
        byte[] value = [1, 2, 3, 0, 255];

        Assert.Null(await store.GetAsync("k", CancellationToken.None));
        // A few seconds of life, so a loaded machine still reads it back; then the server must drop it by itself.
        var stored = Stopwatch.StartNew();
        await store.SetAsync("k", value, TimeSpan.FromSeconds(3), CancellationToken.None);
        Assert.Equal(value, await store.GetAsync("k", CancellationToken.None));

        while (await store.GetAsync("k", CancellationToken.None) is not null)
        {
            Assert.True(stored.Elapsed < TimeSpan.FromMinutes(1), "the entry outlived its time to live by a minute");
            await Task.Delay(100);
        }

        Assert.True(stored.Elapsed >= TimeSpan.FromSeconds(2.9), $"gone after {stored.Elapsed.TotalSeconds:0.00} s, before its 3 s");
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task AKilledServerIsAMissAndADegradedStateThenRecoversByItself(RedisKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind);
        await using var clients = await RedisClients.StartAsync(server.ConnectionString);
        var store = Store(clients, TimeSpan.FromMilliseconds(200));
        await WaitHealthyAsync(store);
        await store.SetAsync("k", [42], TimeSpan.FromMinutes(1), CancellationToken.None);

        await server.StopAsync();
        var started = DateTime.UtcNow;
        Assert.Null(await store.GetAsync("k", CancellationToken.None));
        await store.SetAsync("other", [1], TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "a dead cache must not stall requests");
        Assert.Equal(PromptCacheState.Degraded, store.State);
        Assert.NotNull(store.LastError);

        // By itself: the multiplexer reconnects in the background, no request has to probe it.
        await server.StartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (store.State != PromptCacheState.Healthy && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(PromptCacheState.Healthy, store.State);
        Assert.Null(store.LastError);
        // Writes and reads work again. Each operation has this store's 200 ms budget, which a loaded machine can
        // exceed once (a miss, by design): the test waits for a round trip, bounded by the same minute.
        byte[]? read = null;
        while (read is null && DateTime.UtcNow < deadline)
        {
            await store.SetAsync("k2", [7], TimeSpan.FromMinutes(1), CancellationToken.None);
            read = await store.GetAsync("k2", CancellationToken.None);
        }

        Assert.Equal([7], read);
    }

    [Fact]
    public async Task AGatewayStartsWithoutItsCacheAndServesMissesWithoutWaiting()
    {
        // Nothing listens on port 1: the client starts anyway (AbortOnConnectFail off) and keeps trying.
        await using var clients = await RedisClients.StartAsync("127.0.0.1:1");
        var store = Store(clients, TimeSpan.FromMilliseconds(100));
        var started = DateTime.UtcNow;

        Assert.Null(await store.GetAsync("k", CancellationToken.None));
        await store.SetAsync("k", [1], TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "a cache that is not up must not stall requests");
        Assert.Equal(PromptCacheState.Degraded, store.State);
        Assert.Equal("cache not connected", store.LastError);
    }

    [Fact]
    public async Task TheCallersCancellationIsNotSwallowed()
    {
        await using var server = await RedisServer.StartAsync(RedisKind.Garnet);
        await using var clients = await RedisClients.StartAsync(server.ConnectionString);
        var store = Store(clients);
        await WaitHealthyAsync(store);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        // Even when the reply would be in at once (a key just written): the caller has gone, so neither call completes.
        await store.SetAsync("k", [1], TimeSpan.FromMinutes(1), CancellationToken.None);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.GetAsync("k", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.SetAsync("k", [2], TimeSpan.FromMinutes(1), cancelled.Token));
        Assert.Equal([1], await store.GetAsync("k", CancellationToken.None));
        Assert.Equal(PromptCacheState.Healthy, store.State);
    }
}
