using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Aspire70B.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Tests.Caching;

/// <summary>How the gateway registers its Redis clients through Aspire.StackExchange.Redis: our choices, not the library.</summary>
public sealed class RedisClientRegistrationTests
{
    [Fact]
    public async Task OneServerForTheCacheAndTheBatchesIsOneMultiplexer()
    {
        await using var server = await RedisServer.StartAsync(RedisKind.Garnet);
        await using var clients = await RedisClients.StartAsync(server.ConnectionString, server.ConnectionString);

        Assert.Same(clients.Cache, clients.Batches);
        Assert.True(clients.Cache.IsConnected);
        // The batch store's commands may wait for a reconnect; the cache store checks the connection itself.
        var options = clients.Services.GetRequiredService<IOptionsMonitor<ConfigurationOptions>>().Get(Options.DefaultName);
        Assert.Same(BacklogPolicy.Default, options.BacklogPolicy);
    }

    [Fact]
    public async Task TwoServersGetAMultiplexerEachWithItsOwnPolicy()
    {
        await using var cache = await RedisServer.StartAsync(RedisKind.Garnet);
        await using var batches = await RedisServer.StartAsync(RedisKind.Redis);
        await using var clients = await RedisClients.StartAsync(cache.ConnectionString, batches.ConnectionString);

        Assert.NotSame(clients.Cache, clients.Batches);
        await clients.Cache.GetDatabase().StringSetAsync("which", "cache");
        await clients.Batches.GetDatabase().StringSetAsync("which", "batches");
        Assert.Equal("cache", (string?)await clients.Cache.GetDatabase().StringGetAsync("which"));
        Assert.Equal("batches", (string?)await clients.Batches.GetDatabase().StringGetAsync("which"));

        var options = clients.Services.GetRequiredService<IOptionsMonitor<ConfigurationOptions>>();
        var cacheOptions = options.Get(Options.DefaultName);
        var batchOptions = options.Get("batches");
        Assert.Equal((false, 2000, cache.ConnectionString), (cacheOptions.AbortOnConnectFail, cacheOptions.ConnectTimeout, cacheOptions.EndPoints.Single().ToString()));
        Assert.Equal((false, 2000, batches.ConnectionString), (batchOptions.AbortOnConnectFail, batchOptions.ConnectTimeout, batchOptions.EndPoints.Single().ToString()));
        // A cache that is down is a miss at once; the durable store's commands wait in the backlog for a reconnect.
        Assert.Same(BacklogPolicy.FailFast, cacheOptions.BacklogPolicy);
        Assert.Same(BacklogPolicy.Default, batchOptions.BacklogPolicy);
    }

    [Fact]
    public async Task AspiresHealthChecksAreOffSoACacheOutageIsOurDegradedNotUnhealthy()
    {
        await using var clients = await RedisClients.StartAsync("127.0.0.1:1", "127.0.0.1:2");

        var registrations = clients.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.DoesNotContain(registrations, r => r.Name.StartsWith("StackExchange.Redis", StringComparison.Ordinal));
        Assert.False(clients.Cache.IsConnected);
        Assert.False(clients.Batches.IsConnected);
    }

    [Fact]
    public async Task WithoutConnectionStringsNoClientIsRegistered()
    {
        await using var clients = await RedisClients.StartAsync(cache: null);

        Assert.Null(clients.Services.GetService<IConnectionMultiplexer>());
        Assert.Null(clients.Services.GetKeyedService<IConnectionMultiplexer>("batches"));
    }

    [Fact]
    public async Task ACacheTurnedOffRegistersNoCacheClientButKeepsTheBatchStore()
    {
        await using var server = await RedisServer.StartAsync(RedisKind.Garnet);
        await using var clients = await RedisClients.StartAsync(server.ConnectionString, server.ConnectionString, cacheEnabled: false);

        Assert.Null(clients.Services.GetService<IConnectionMultiplexer>());
        Assert.True(clients.Batches.IsConnected);
    }

    [Theory]
    [InlineData("batches")]
    [InlineData("cache")]
    public async Task RedisCommandsAreTracedByAspiresInstrumentation(string client)
    {
        await using var server = await RedisServer.StartAsync(RedisKind.Redis);
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        var seen = new ConcurrentQueue<Activity>();
        var traced = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "OpenTelemetry.Instrumentation.StackExchangeRedis",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.DisplayName == "SET" && activity.TagObjects.Any(t => Convert.ToString(t.Value, CultureInfo.InvariantCulture) == port))
                {
                    traced.TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        // The batch store is traced by default; the prompt cache (its hot path) when asked for.
        await using var clients = client == "batches"
            ? await RedisClients.StartAsync(cache: null, batches: server.ConnectionString)
            : await RedisClients.StartAsync(server.ConnectionString, settings: new Dictionary<string, string?> { ["Aspire:StackExchange:Redis:cache:DisableTracing"] = "false" });
        var multiplexer = client == "batches" ? clients.Batches : clients.Cache;

        // The instrumentation turns profiled commands into spans on its own schedule (every few seconds): keep the
        // commands coming until one arrives, bounded generously.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (!traced.Task.IsCompleted)
        {
            await multiplexer.GetDatabase().StringSetAsync("traced", "yes");
            await Task.WhenAny(traced.Task, Task.Delay(500, timeout.Token));
        }

        var span = await traced.Task;
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Contains(span.TagObjects, t => t.Key == "db.system" && (string?)t.Value == "redis");
    }
}
