using System.Diagnostics;
using Aspire70B.GatewayBench.Load;

namespace Aspire70B.ReplicaBench.Workload;

/// <summary>
/// A set of chats, usually those that ended within one measured window: throughput, time to first token (issue to
/// first content delta, queueing included), failures by kind, chats cancelled when the load stopped, and which
/// replica answered.
/// </summary>
internal sealed record PhaseSummary(
    TimeSpan Window,
    int Succeeded,
    long OutputTokens,
    Percentiles FirstToken,
    int FailedBeforeFirstToken,
    int CutMidStream,
    int CancelledAtEnd,
    IReadOnlyDictionary<string, int> ByReplica,
    IReadOnlyDictionary<string, int> Failures)
{
    public double ChatsPerSecond => Succeeded / Window.TotalSeconds;

    public double OutputTokensPerSecond => OutputTokens / Window.TotalSeconds;

    public int Errors => FailedBeforeFirstToken + CutMidStream;

    /// <summary>
    /// The chats that ended within the window from <paramref name="from"/> to <paramref name="until"/> (Stopwatch
    /// timestamps), and those the stop cancelled: with a queue in front of the replicas, counting the chats issued in the
    /// window instead would miss every chat still queued at its end.
    /// </summary>
    public static PhaseSummary Between(IEnumerable<TurnOutcome> outcomes, long from, long until) =>
        Of(outcomes.Where(o => o.Result == TurnResult.Cancelled ? o.Issued < until : o.Ended >= from && o.Ended < until), Stopwatch.GetElapsedTime(from, until));

    /// <summary>Summarises <paramref name="outcomes"/> as the chats of a window of <paramref name="window"/>.</summary>
    public static PhaseSummary Of(IEnumerable<TurnOutcome> outcomes, TimeSpan window)
    {
        var chosen = outcomes.ToList();
        var firstToken = new LatencyLog(Math.Max(1, chosen.Count));
        foreach (var o in chosen.Where(o => o.FirstToken != 0 && o.Result != TurnResult.Cancelled))
        {
            firstToken.Record(o.Issued, o.FirstToken);
        }

        var succeeded = chosen.Where(o => o.Result == TurnResult.Succeeded).ToList();
        return new PhaseSummary(
            window,
            succeeded.Count,
            succeeded.Sum(o => (long)o.CompletionTokens),
            firstToken.Count == 0 ? Percentiles.None : firstToken.Summarize(),
            chosen.Count(o => o.Result == TurnResult.FailedBeforeFirstToken),
            chosen.Count(o => o.Result == TurnResult.CutMidStream),
            chosen.Count(o => o.Result == TurnResult.Cancelled),
            succeeded.GroupBy(o => o.Replica ?? "(no header)").ToDictionary(g => g.Key, g => g.Count()),
            chosen.Where(o => o.Failure is not null && o.Result is TurnResult.FailedBeforeFirstToken or TurnResult.CutMidStream)
                .GroupBy(o => $"{(o.Result == TurnResult.CutMidStream ? "mid-stream" : "before first token")}: {o.Failure}")
                .ToDictionary(g => g.Key, g => g.Count()));
    }
}
