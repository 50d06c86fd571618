using System.Globalization;
using System.Text;
using Aspire70B.ReplicaBench.Failover;
using Aspire70B.ReplicaBench.Workload;

namespace Aspire70B.ReplicaBench.Report;

/// <summary>The plain-text table (one row per configuration) and the failover lines.</summary>
internal static class ReplicaTable
{
    private static readonly string[] Headers =
        ["path", "replicas", "policy", "chats/s", "x 1 replica", "out tok/s", "ttft p50 ms", "ttft p99 ms", "errors", "cut at end", "prefix hits", "uncached tok/chat", "share of chats per replica"];

    public static string Render(IReadOnlyList<ConfigurationRow> rows)
    {
        var lines = new List<string[]> { Headers };
        var single = rows.FirstOrDefault(r => r.Path == "gateway" && r.Replicas == 1)?.Summary;
        foreach (var row in rows)
        {
            if (row.Summary is not { } s)
            {
                lines.Add([row.Path, I(row.Replicas), row.Policy, row.Note ?? "not run", "", "", "", "", "", "", "", "", ""]);
                continue;
            }

            lines.Add(
            [
                row.Path, I(row.Replicas), row.Policy,
                F(s.ChatsPerSecond, "0.0"),
                row.Path == "gateway" && single is { ChatsPerSecond: > 0 } ? F(s.ChatsPerSecond / single.ChatsPerSecond, "0.00") : "",
                F(s.OutputTokensPerSecond, "0"),
                Ms(s.FirstToken.P50), Ms(s.FirstToken.P99),
                I(s.Errors), I(s.CancelledAtEnd),
                Percent(row.TotalPrefixCache.HitRate),
                s.Succeeded > 0 ? F((row.TotalPrefixCache.Queries - row.TotalPrefixCache.Hits) / s.Succeeded, "0") : "",
                Shares(s),
            ]);
        }

        var widths = Enumerable.Range(0, Headers.Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.AppendLine(string.Join("  ", line.Select((cell, c) => c is 0 or 2 or 12 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary>Each replica's own prefix-cache hit rate, per configuration with more than one replica.</summary>
    public static string PrefixCacheDetail(IReadOnlyList<ConfigurationRow> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows.Where(r => r.Summary is not null && r.PrefixCache.Count > 1))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"prefix hits per replica, {row.Replicas} x {row.Policy}: {string.Join(", ", row.PrefixCache.Select(r => $"{r.Replica} {Percent(r.Delta.HitRate)} of {r.Delta.Queries / 1000:0}K tokens"))}");
        }

        return text.ToString();
    }

    public static string Failover(FailoverResult f)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"failover: 2 replicas (gateway's default policy), {f.Users} users; {FailoverRun.Victim} SIGKILLed after {f.BeforeKill.TotalSeconds:0.0} s of measured load, then {f.AfterKill.TotalSeconds:0.0} s more");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"  chats failed before their first token: {f.FailedBeforeFirstToken} (must be 0)   cut mid-stream: {f.CutMidStream} (expected: streams the victim was sending)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  ended before the kill:  {Line(f.EndedBefore)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  in flight at the kill:  {f.InFlightAtKill.Succeeded} succeeded, {f.InFlightAtKill.CutMidStream} cut mid-stream, {f.InFlightAtKill.FailedBeforeFirstToken} failed before a token; served by {Shares(f.InFlightAtKill)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  issued after the kill:  {Line(f.IssuedAfter)}; {f.VictimServedAfterKill} answered by {FailoverRun.Victim}");
        text.AppendLine(f.FirstBurst.LastAfterKill is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"  {FailoverRun.Victim}'s breaker opened {t.TotalMilliseconds:0} ms after the kill: the last of {f.FirstBurst.Count} chats routed to it and failed over to the survivor (then none until the half-open trial; {f.FailoversAfterKill} fail-overs in all)")
            : $"  no fail-over away from {FailoverRun.Victim} was logged by ApiService (Warning 2101)");
        foreach (var (kind, count) in f.EndedBefore.Failures.Concat(f.InFlightAtKill.Failures).Concat(f.IssuedAfter.Failures).GroupBy(k => k.Key).Select(g => (g.Key, g.Sum(k => k.Value))))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  failure: {kind} x{count}");
        }

        return text.ToString();
    }

    private static string Line(PhaseSummary s) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{s.Succeeded} succeeded ({s.ChatsPerSecond:0.0} chats/s), ttft p50 {Ms(s.FirstToken.P50)} ms p99 {Ms(s.FirstToken.P99)} ms, {s.FailedBeforeFirstToken} failed before a token, {s.CutMidStream} cut mid-stream; served by {Shares(s)}");

    private static string Shares(PhaseSummary s)
    {
        var total = s.ByReplica.Values.Sum();
        return total == 0 ? "" : string.Join(" ", s.ByReplica.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {100.0 * r.Value / total:0}%"));
    }

    private static string Ms(double value) => double.IsNaN(value) ? "" : F(value, value < 10 ? "0.0" : "0");

    private static string Percent(double rate) => double.IsNaN(rate) ? "" : F(100 * rate, "0.0") + " %";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
