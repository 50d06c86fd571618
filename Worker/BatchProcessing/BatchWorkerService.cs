using Aspire70B.Batches;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aspire70B.Worker.BatchProcessing;

/// <summary>
/// Takes batch items from Redis and runs them, a bounded number at a time, while a reaper returns the items of
/// workers that died. An item interrupted by shutdown is not completed: its lease runs out and it runs again
/// (at least once), and the store keeps only its first result (exactly once visible).
/// </summary>
public sealed partial class BatchWorkerService(
    IServiceProvider services,
    Gateway.GatewayClient gateway,
    BatchItemExecutor executor,
    IOptions<BatchWorkerOptions> options,
    IOptions<BatchQueueOptions> queueOptions,
    TimeProvider time,
    ILogger<BatchWorkerService> logger) : BackgroundService
{
    /// <summary>The batch store's connection name (<c>ConnectionStrings:batches</c>) and its multiplexer's service key.</summary>
    public const string StoreKey = "batches";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the host's start: the multiplexer may still be making its first connection.
        await Task.Yield();
        if (services.GetKeyedService<IConnectionMultiplexer>(StoreKey) is not { } connection)
        {
            LogDisabled(logger);
            return;
        }

        var store = new BatchStore(connection.GetDatabase(), queueOptions.Value, time);
        var concurrency = await ConcurrencyAsync(stoppingToken);
        LogStarted(logger, concurrency);
        var loops = Enumerable.Range(0, concurrency).Select(_ => RunAsync(store, stoppingToken)).ToList();
        loops.Add(ReapAsync(store, stoppingToken));
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: unfinished items go back to the queue when their leases run out.
        }
    }

    /// <summary>The configured concurrency, capped at the deployment's sequence limit when the gateway reports its plan.</summary>
    private async Task<int> ConcurrencyAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.Concurrency;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Generous: a gateway that has just started (JIT, a loaded machine) may take seconds to answer its first call,
            // and running uncapped against a smaller sequence limit would only queue on the model server.
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await gateway.SendAsync(HttpMethod.Get, "v1/deployment", null, timeout.Token);
            response.EnsureSuccessStatusCode();
            using var deployment = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
            var seqs = deployment.RootElement.GetProperty("plan").GetProperty("maxNumSeqs").GetInt32();
            return Math.Max(1, Math.Min(configured, seqs));
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogNoPlan(logger, e.Message);
            return configured;
        }
    }

    private async Task RunAsync(BatchStore store, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await store.LeaseAsync(stoppingToken) is not { } lease)
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                    continue;
                }

                var result = await executor.ExecuteAsync(lease, () => store.RenewAsync(lease), stoppingToken);
                await store.CompleteAsync(lease, result.Json, result.Succeeded);
            }
            catch (Exception e) when (IsStoreFailure(e))
            {
                // The store is down or restarting. An item whose result was not stored keeps its lease, which runs
                // out; the reaper then queues it again, and the first stored result wins. This loop keeps going.
                LogRedisFailed(logger, e.Message);
                await Task.Delay(options.Value.PollInterval, time, stoppingToken);
            }
        }
    }

    private async Task ReapAsync(BatchStore store, CancellationToken stoppingToken)
    {
        var interval = queueOptions.Value.LeaseDuration / 4;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(interval, time, stoppingToken);
            try
            {
                var returned = await store.ReapAsync();
                if (returned > 0)
                {
                    LogReaped(logger, returned);
                }
            }
            catch (Exception e) when (IsStoreFailure(e))
            {
                LogRedisFailed(logger, e.Message);
            }
        }
    }

    /// <summary>A failure of the store's connection (SE.Redis reports timeouts as <see cref="TimeoutException"/>, not <see cref="RedisException"/>).</summary>
    private static bool IsStoreFailure(Exception e) => e is RedisException or TimeoutException;

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Batch worker running {Concurrency} items at a time")]
    private static partial void LogStarted(ILogger logger, int concurrency);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Batch worker disabled: ConnectionStrings:batches is not set")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Returned {Count} items whose leases ran out to the queue")]
    private static partial void LogReaped(ILogger logger, int count);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "The gateway's deployment plan is not available ({Reason}); using the configured concurrency")]
    private static partial void LogNoPlan(ILogger logger, string reason);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Batch store (Redis) failed: {Reason}")]
    private static partial void LogRedisFailed(ILogger logger, string reason);
}
