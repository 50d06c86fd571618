using Aspire70B.ReplicaBench.Cluster;
using Aspire70B.ReplicaBench.Workload;

namespace Aspire70B.ReplicaBench.Report;

/// <summary>
/// One configuration measured: how many replicas, through the gateway or not, which policy; the chats of its measured
/// window and each replica's prefix-cache counters over the same window. <see cref="Note"/> says why it did not run.
/// </summary>
internal sealed record ConfigurationRow(
    string Path,
    int Replicas,
    string Policy,
    PhaseSummary? Summary,
    IReadOnlyList<(string Replica, PrefixCacheCounters Delta)> PrefixCache,
    string? Note = null)
{
    public PrefixCacheCounters TotalPrefixCache => PrefixCache.Aggregate(default(PrefixCacheCounters), (sum, r) => sum + r.Delta);
}
