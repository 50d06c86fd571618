using System.Globalization;

namespace Aspire70B.ReplicaBench.Cluster;

/// <summary>
/// A replica's prefix-cache counters from its Prometheus <c>/metrics</c> (tokens, summed over label sets):
/// <c>vllm:prefix_cache_queries_total</c> and <c>vllm:prefix_cache_hits_total</c>.
/// </summary>
internal readonly record struct PrefixCacheCounters(double Queries, double Hits)
{
    public static PrefixCacheCounters operator -(PrefixCacheCounters later, PrefixCacheCounters earlier) =>
        new(later.Queries - earlier.Queries, later.Hits - earlier.Hits);

    public static PrefixCacheCounters operator +(PrefixCacheCounters a, PrefixCacheCounters b) =>
        new(a.Queries + b.Queries, a.Hits + b.Hits);

    /// <summary>Hits ÷ queries, NaN when nothing was queried.</summary>
    public double HitRate => Queries > 0 ? Hits / Queries : double.NaN;

    public static async Task<PrefixCacheCounters> ScrapeAsync(HttpClient http, Uri replica, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var text = await http.GetStringAsync(new Uri(replica, "metrics"), cancellationToken);
        return Parse(text);
    }

    public static PrefixCacheCounters Parse(string exposition)
    {
        double queries = 0, hits = 0;
        foreach (var line in exposition.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("vllm:prefix_cache_queries_total"))
            {
                queries += Value(line);
            }
            else if (line.StartsWith("vllm:prefix_cache_hits_total"))
            {
                hits += Value(line);
            }
        }

        return new PrefixCacheCounters(queries, hits);
    }

    private static double Value(ReadOnlySpan<char> sample)
    {
        // "name{labels} value [timestamp]": the value follows the label set (or the name when there are no labels).
        var afterLabels = sample.LastIndexOf('}') is var brace and >= 0 ? sample[(brace + 1)..] : sample[sample.IndexOf(' ')..];
        afterLabels = afterLabels.Trim();
        var end = afterLabels.IndexOf(' ');
        return double.Parse(end < 0 ? afterLabels : afterLabels[..end], NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
