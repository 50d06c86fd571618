using System.Diagnostics;

namespace Aspire70B.GatewayBench.Load;

/// <summary>
/// A fixed arrival rate, whatever the server does (open loop): request i is due at start + i / rate. A dedicated
/// thread wakes about every millisecond and issues every request that is due, without spinning (the contender
/// needs the cores). Latency runs from the moment a request is issued, before the client's connection pool, so a
/// queue there counts against the contender; the scheduler's own wake-up delay (≤ ~1 ms) is excluded, and since
/// it never waits on responses it cannot slow down with the server (no coordinated omission). Requests beyond
/// <c>maxInFlight</c> are not sent and count as errors; the run ends after the schedule plus a bounded drain.
/// </summary>
internal static class OpenLoop
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);

    public static Task<PhaseResult> ChatAsync(LoadClient client, int rate, TimeSpan duration, int maxInFlight, CancellationToken cancellationToken) =>
        RunAsync(client, rate, duration, maxInFlight, (_, token) => client.ChatAsync(token), cancellationToken);

    /// <summary>Streams arriving at a fixed rate: time to first token without the queue a saturating closed loop builds.</summary>
    public static Task<PhaseResult> StreamAsync(LoadClient client, int rate, TimeSpan duration, int maxInFlight, CancellationToken cancellationToken) =>
        RunAsync(client, rate, duration, maxInFlight, (onFirstToken, token) => client.StreamAsync(onFirstToken, token), cancellationToken);

    private static async Task<PhaseResult> RunAsync(LoadClient client, int rate, TimeSpan duration, int maxInFlight, Func<Action<long>, CancellationToken, Task<bool>> send, CancellationToken cancellationToken)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var latency = new LatencyLog(total);
        var firstToken = new LatencyLog(total);
        long succeeded = 0, errors = 0, inFlight = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = (double)Stopwatch.Frequency / rate;

        async Task SendAsync()
        {
            try
            {
                var issued = Stopwatch.GetTimestamp();
                var ok = await send(first => firstToken.Record(issued, first), stop.Token);
                latency.Record(issued, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref ok ? ref succeeded : ref errors);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                client.Fail(e is OperationCanceledException ? "timeout or drain cut" : e.GetType().Name);
                Interlocked.Increment(ref errors);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        var scheduler = new Thread(() =>
        {
            for (var i = 0; i < total && !stop.IsCancellationRequested;)
            {
                var now = Stopwatch.GetTimestamp();
                for (; i < total && start + (long)(i * ticksPerRequest) <= now; i++)
                {
                    if (Interlocked.Increment(ref inFlight) > maxInFlight)
                    {
                        Interlocked.Decrement(ref inFlight);
                        client.Fail($"not sent: {maxInFlight} in flight");
                        Interlocked.Increment(ref errors);
                        continue;
                    }

                    pending.Add(SendAsync());
                }

                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "open-loop scheduler", Priority = ThreadPriority.AboveNormal };
        scheduler.Start();
        await Task.Run(scheduler.Join, cancellationToken);
        stop.CancelAfter(Drain);
        await Task.WhenAll(pending);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new PhaseResult(succeeded, errors, 0, elapsed > duration ? elapsed : duration, latency.Summarize(), firstToken.Count == 0 ? Percentiles.None : firstToken.Summarize());
    }
}
