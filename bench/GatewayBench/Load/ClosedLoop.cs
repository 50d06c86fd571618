using System.Diagnostics;

namespace Aspire70B.GatewayBench.Load;

/// <summary>
/// Saturation: a fixed number of workers, each sending its next request as soon as the previous one ended, for a
/// fixed time. Requests still in flight when the time is up are cancelled and counted apart ("cut"): neither a
/// success nor an error, but a contender that finishes nothing within the phase shows it.
/// </summary>
internal static class ClosedLoop
{
    public static Task<PhaseResult> ChatAsync(LoadClient client, int workers, TimeSpan duration, CancellationToken cancellationToken) =>
        RunAsync(client, workers, duration, async (latency, _, token) =>
        {
            var start = Stopwatch.GetTimestamp();
            var ok = await client.ChatAsync(token);
            latency.Record(start, Stopwatch.GetTimestamp());
            return ok;
        }, cancellationToken);

    public static Task<PhaseResult> StreamAsync(LoadClient client, int workers, TimeSpan duration, CancellationToken cancellationToken) =>
        RunAsync(client, workers, duration, async (latency, firstToken, token) =>
        {
            var start = Stopwatch.GetTimestamp();
            var ok = await client.StreamAsync(first => firstToken.Record(start, first), token);
            latency.Record(start, Stopwatch.GetTimestamp());
            return ok;
        }, cancellationToken);

    private static async Task<PhaseResult> RunAsync(LoadClient client, int workers, TimeSpan duration, Func<LatencyLog, LatencyLog, CancellationToken, Task<bool>> send, CancellationToken cancellationToken)
    {
        var latency = new LatencyLog(2_000_000);
        var firstToken = new LatencyLog(2_000_000);
        long succeeded = 0, errors = 0, cut = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (await send(latency, firstToken, stop.Token))
                    {
                        Interlocked.Increment(ref succeeded);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref cut);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                {
                    client.Fail(e is TaskCanceledException ? "timeout" : e.GetType().Name);
                    Interlocked.Increment(ref errors);
                }
            }
        }, CancellationToken.None)));
        var elapsed = clock.Elapsed;
        return new PhaseResult(succeeded, errors, cut, elapsed, latency.Summarize(), firstToken.Count == 0 ? Percentiles.None : firstToken.Summarize());
    }
}
