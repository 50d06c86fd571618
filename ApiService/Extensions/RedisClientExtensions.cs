using Aspire70B.ApiService.Caching;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Extensions;

/// <summary>
/// The gateway's Redis clients, through Aspire's integration (tracing on): <c>ConnectionStrings:cache</c>, the prompt
/// cache, registered as the default <see cref="IConnectionMultiplexer"/>, and <c>ConnectionStrings:batches</c>, the
/// durable batch store, keyed <see cref="BatchesKey"/>. One multiplexer per server: the two are separate servers with
/// separate policies (the cache may evict and lose everything, the batch store may not), so each gets its own, unless
/// both strings name the same server, which then shares one.
/// </summary>
internal static class RedisClientExtensions
{
    public const string CacheName = "cache";
    public const string BatchesKey = "batches";

    public static IHostApplicationBuilder AddRedisClients(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var cache = configuration.GetSection(PromptCacheOptions.Section).GetValue(nameof(PromptCacheOptions.Enabled), true)
            ? configuration.GetConnectionString(CacheName) is { Length: > 0 } c ? c : null
            : null;
        var batches = configuration.GetConnectionString(BatchesKey) is { Length: > 0 } b ? b : null;

        // Aspire's health check would turn a cache outage into an Unhealthy gateway; the gateway serves without its
        // cache, so PromptCacheHealthCheck reports Degraded instead. Without the batch store only the batch routes
        // fail (503 with Retry-After), so it does not make the gateway unhealthy either.
        if (cache is not null)
        {
            var shared = batches == cache;
            // A span per prompt-cache command cost a fifth of the cache-hit path's throughput (bench/README.md, "Redis
            // command spans"), and the chat span already says hit, miss or bypass: the cache's commands are traced only
            // when asked for (Aspire:StackExchange:Redis:cache:DisableTracing=false). The batch store's always are.
            var traceCache = configuration.GetValue<bool?>($"Aspire:StackExchange:Redis:{CacheName}:DisableTracing") is false;
            builder.AddRedisClient(CacheName, settings =>
            {
                settings.DisableHealthChecks = true;
                settings.DisableTracing = !traceCache;
            }, options =>
            {
                StartWithoutServer(options);
                // A cache that is down is a miss at once, not a request parked in the client's backlog; batch commands
                // on a shared server may wait there for a reconnect (RedisPromptCacheStore checks IsConnected itself).
                options.BacklogPolicy = shared ? BacklogPolicy.Default : BacklogPolicy.FailFast;
            });
        }

        if (batches is not null && batches == cache)
        {
            builder.Services.AddKeyedSingleton<IConnectionMultiplexer>(BatchesKey, (services, _) => services.GetRequiredService<IConnectionMultiplexer>());
        }
        else if (batches is not null)
        {
            builder.AddKeyedRedisClient(BatchesKey, settings => settings.DisableHealthChecks = true, StartWithoutServer);
        }

        return builder;
    }

    /// <summary>Start (and keep reconnecting) while the server is down or not up yet; wait at most 2 s for it at start.</summary>
    private static void StartWithoutServer(ConfigurationOptions options)
    {
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
    }
}
