using System.Diagnostics;
using Aspire70B.GatewayBench.Contenders;
using Aspire70B.ReplicaBench.Cluster;
using Aspire70B.ReplicaBench.Workload;

namespace Aspire70B.ReplicaBench.Failover;

/// <summary>
/// Two replicas under steady streamed conversations; one is SIGKILLed mid-run. A chat that had produced no token
/// when its replica died must be retried by the gateway on the survivor (so no chat may fail before its first token);
/// chats cut mid-stream are expected (their tokens were already sent) and are reported; and the time from the kill
/// until the gateway stopped sending requests to the dead replica (its breaker opened), from the gateway's log.
/// </summary>
internal sealed class FailoverRun(Repository repository, ReplicaSettings settings, Action<string> log)
{
    public const string Victim = "model-2";

    public async Task<FailoverResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var cluster = await ReplicaCluster.StartAsync(repository, settings, count: 2, policy: null, direct: false, cancellationToken);
        using var client = new ChatStreamClient(cluster.Target, maxConnections: 1024, ReplicaSettings.RequestTimeout);
        var load = new ConversationLoad(client, new ConversationScript(ReplicaSettings.SystemPrompts, ReplicaSettings.SystemPromptChars, seed: 7), ReplicaCluster.Model, settings.Turns, settings.MaxTokens);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = load.RunAsync(settings.FailoverUsers, stop.Token);

        await Task.Delay(settings.WarmUp, cancellationToken);
        var from = Stopwatch.GetTimestamp();
        await Task.Delay(settings.BeforeKill, cancellationToken);
        long killedAt;
        DateTime killedWall;
        IReadOnlyList<DateTime> failovers;
        await using (var watch = new FailoverLog(cluster.Gateway!, Victim))
        {
            killedWall = DateTime.UtcNow;
            killedAt = cluster.Kill(Victim);
            log($"failover: {Victim} killed (SIGKILL) under {settings.FailoverUsers} users");
            await Task.Delay(settings.AfterKill, cancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken); // The last lines reach the log.
            failovers = watch.Failovers;
        }

        var until = Stopwatch.GetTimestamp();
        await stop.CancelAsync();
        await running;

        var outcomes = load.Outcomes.Where(o => o.Ended >= from).ToList();
        return new FailoverResult(
            settings.FailoverUsers,
            Stopwatch.GetElapsedTime(from, killedAt),
            Stopwatch.GetElapsedTime(killedAt, until),
            PhaseSummary.Of(outcomes.Where(o => o.Ended < killedAt), Stopwatch.GetElapsedTime(from, killedAt)),
            PhaseSummary.Of(outcomes.Where(o => o.Issued < killedAt && o.Ended >= killedAt), Stopwatch.GetElapsedTime(killedAt, until)),
            PhaseSummary.Of(outcomes.Where(o => o.Issued >= killedAt), Stopwatch.GetElapsedTime(killedAt, until)),
            outcomes.Count(o => o.Result == TurnResult.FailedBeforeFirstToken),
            outcomes.Count(o => o.Result == TurnResult.CutMidStream),
            outcomes.Count(o => o.Issued >= killedAt && o.Result == TurnResult.Succeeded && o.Replica == Victim),
            FailoverLog.FirstBurst(failovers, killedWall) is { Last: { } last } burst ? (burst.Count, last - killedWall) : (0, null),
            failovers.Count(f => f >= killedWall));
    }
}

/// <summary>
/// What the kill cost: the chats that ended before it, those in flight at it, those issued after it; failures before a
/// first token (must be 0) and cuts mid-stream over the whole phase; the fail-overs away from the victim in the first
/// burst after the kill and when the last of them was logged (the breaker was open right after it); and all of them.
/// </summary>
internal sealed record FailoverResult(
    int Users,
    TimeSpan BeforeKill,
    TimeSpan AfterKill,
    PhaseSummary EndedBefore,
    PhaseSummary InFlightAtKill,
    PhaseSummary IssuedAfter,
    int FailedBeforeFirstToken,
    int CutMidStream,
    int VictimServedAfterKill,
    (int Count, TimeSpan? LastAfterKill) FirstBurst,
    int FailoversAfterKill);
