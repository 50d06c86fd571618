using System.Globalization;
using System.Text.RegularExpressions;
using Aspire70B.GatewayBench.Processes;

namespace Aspire70B.ReplicaBench.Failover;

/// <summary>
/// Watches ApiService's log (one line per event, UTC time first) for the first line saying that a replica's circuit
/// breaker opened, and keeps its time. The gateway's breakers are only visible from outside through that log.
/// </summary>
internal sealed partial class BreakerWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;

    public BreakerWatch(ChildProcess gateway, string replica)
    {
        _watching = WatchAsync(gateway, replica, _stop.Token);
    }

    /// <summary>The time (UTC) of the first line that says the replica's breaker opened, and the line; null while none did.</summary>
    public (DateTime At, string Line)? Opened { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        _stop.Dispose();
    }

    /// <summary>Whether a log line says that <paramref name="replica"/>'s breaker (circuit) opened.</summary>
    public static bool SaysOpened(string line, string replica) =>
        line.Contains(replica, StringComparison.Ordinal) && OpenedPattern().IsMatch(line);

    private async Task WatchAsync(ChildProcess gateway, string replica, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>();
        while (!cancellationToken.IsCancellationRequested && Opened is null)
        {
            foreach (var line in gateway.Output.Split('\n'))
            {
                if (seen.Add(line) && SaysOpened(line, replica) && Timestamp(line) is { } at)
                {
                    Opened = (at, line);
                    break;
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

    /// <summary>The line's leading <c>HH:mm:ss.fff</c> (UTC, today; a kill just before midnight is not handled).</summary>
    private static DateTime? Timestamp(string line) =>
        line.Length >= 12 && TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var time)
            ? DateTime.UtcNow.Date + time
            : null;

    [GeneratedRegex(@"(breaker|circuit)\b.*\bopen|\bopen(ed|s)?\b.*(breaker|circuit)", RegexOptions.IgnoreCase)]
    private static partial Regex OpenedPattern();
}
