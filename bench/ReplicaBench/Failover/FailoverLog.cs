using System.Globalization;
using Aspire70B.GatewayBench.Processes;

namespace Aspire70B.ReplicaBench.Failover;

/// <summary>
/// Watches ApiService's log (one line per event, UTC time first) for the router's "Model replica X failed before any
/// output …; trying another replica" warnings about one replica, and keeps their times. The breaker is visible from
/// outside only through them: the router skips a replica whose circuit is open, so after the breaker opens no request
/// goes to the dead replica (and fails over) until the half-open trial, one open-duration later. The end of the first
/// burst of fail-overs is when the breaker opened.
/// </summary>
internal sealed class FailoverLog : IAsyncDisposable
{
    /// <summary>A gap this long after a fail-over ends the first burst (the default open duration is 15 s).</summary>
    public static readonly TimeSpan BurstGap = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<DateTime> _failovers = [];
    private readonly Task _watching;

    public FailoverLog(ChildProcess gateway, string replica)
    {
        _watching = WatchAsync(gateway, $"Model replica {replica} failed before any output", _stop.Token);
    }

    /// <summary>When each fail-over away from the replica was logged (UTC), in order.</summary>
    public IReadOnlyList<DateTime> Failovers
    {
        get { lock (_failovers) { return [.. _failovers]; } }
    }

    /// <summary>The fail-overs of the first burst after <paramref name="killed"/>: their count and the last one's time.</summary>
    public static (int Count, DateTime? Last) FirstBurst(IReadOnlyList<DateTime> failovers, DateTime killed)
    {
        var after = failovers.Where(f => f >= killed.AddMilliseconds(-5)).Order().ToList();
        if (after.Count == 0)
        {
            return (0, null);
        }

        var count = 1;
        while (count < after.Count && after[count] - after[count - 1] < BurstGap)
        {
            count++;
        }

        return (count, after[count - 1]);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        _stop.Dispose();
    }

    private async Task WatchAsync(ChildProcess gateway, string marker, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>();
        while (true)
        {
            foreach (var line in gateway.Output.Split('\n'))
            {
                if (line.Contains(marker, StringComparison.Ordinal) && seen.Add(line) && Timestamp(line) is { } at)
                {
                    lock (_failovers)
                    {
                        _failovers.Add(at);
                    }
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The line's leading <c>HH:mm:ss.fff</c> (UTC, today; a run across midnight is not handled).</summary>
    private static DateTime? Timestamp(string line) =>
        line.Length >= 12 && TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var time)
            ? DateTime.UtcNow.Date + time
            : null;
}
