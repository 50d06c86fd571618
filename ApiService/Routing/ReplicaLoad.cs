namespace Aspire70B.ApiService.Routing;

/// <summary>
/// A replica's load as its <c>/metrics</c> last reported it: requests running and waiting, KV-cache usage (0..1) and the
/// prefix cache's counters (tokens queried, tokens hit) since the server started. Immutable.
/// </summary>
internal sealed record ReplicaLoad(double Running, double Waiting, double KvCacheUsage, double PrefixCacheQueries, double PrefixCacheHits)
{
    /// <summary>Prefix-cache hits per queried prompt token since the server started, when it has seen a prompt.</summary>
    public double? PrefixCacheHitRate => PrefixCacheQueries > 0 ? PrefixCacheHits / PrefixCacheQueries : null;
}
