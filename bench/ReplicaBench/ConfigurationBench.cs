using System.Diagnostics;
using Aspire70B.GatewayBench.Contenders;
using Aspire70B.ReplicaBench.Cluster;
using Aspire70B.ReplicaBench.Report;
using Aspire70B.ReplicaBench.Workload;

namespace Aspire70B.ReplicaBench;

/// <summary>
/// Measures one configuration on fresh processes (cold prefix caches, as after a deployment): the conversations run
/// through a warm-up that is not measured, then a measured window; each replica's prefix-cache counters are read at
/// both ends of the window.
/// </summary>
internal sealed class ConfigurationBench(Repository repository, ReplicaSettings settings, Action<string> log)
{
    public async Task<ConfigurationRow> RunAsync(int replicas, string? policy, bool direct, CancellationToken cancellationToken)
    {
        var path = direct ? "direct" : "gateway";
        var label = policy ?? (replicas == 1 ? "-" : "default");
        await using var cluster = await ReplicaCluster.StartAsync(repository, settings, replicas, policy, direct, cancellationToken);
        using var client = new ChatStreamClient(cluster.Target, maxConnections: 1024, ReplicaSettings.RequestTimeout);
        using var metrics = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var load = new ConversationLoad(client, new ConversationScript(ReplicaSettings.SystemPrompts, ReplicaSettings.SystemPromptChars, seed: 7), ReplicaCluster.Model, settings.Turns, settings.MaxTokens);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = load.RunAsync(settings.Users, stop.Token);

        await Task.Delay(settings.WarmUp, cancellationToken);
        var before = await ScrapeAsync(metrics, cluster, cancellationToken);
        var from = Stopwatch.GetTimestamp();
        await Task.Delay(settings.Measured, cancellationToken);
        var after = await ScrapeAsync(metrics, cluster, cancellationToken);
        var until = Stopwatch.GetTimestamp();
        await stop.CancelAsync();
        await running;

        var summary = PhaseSummary.Between(load.Outcomes, from, until);
        var row = new ConfigurationRow(path, replicas, label, summary, [.. cluster.Replicas.Select((r, i) => (r.Name, after[i] - before[i]))]);
        log($"{path,-8} {replicas} x {label,-14} {summary.ChatsPerSecond,6:0.0} chats/s  ttft p50 {summary.FirstToken.P50,7:0} ms  p99 {summary.FirstToken.P99,7:0} ms  errors {summary.Errors}  prefix hits {100 * row.TotalPrefixCache.HitRate:0.0} %");
        return row;
    }

    private static async Task<PrefixCacheCounters[]> ScrapeAsync(HttpClient http, ReplicaCluster cluster, CancellationToken cancellationToken) =>
        await Task.WhenAll(cluster.Replicas.Select(r => PrefixCacheCounters.ScrapeAsync(http, r.Address, cancellationToken)));
}
