using System.Diagnostics;

namespace Aspire70B.GatewayBench.Load;

/// <summary>
/// Latencies of one phase, recorded lock-free into a preallocated array (recording must not cost the load generator
/// more than a few nanoseconds); samples beyond the capacity are counted but not kept.
/// </summary>
internal sealed class LatencyLog(int capacity)
{
    private readonly double[] _milliseconds = new double[capacity];
    private int _count;

    public int Count => Math.Min(Volatile.Read(ref _count), _milliseconds.Length);

    public void Record(long startTimestamp, long endTimestamp)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        if (index < _milliseconds.Length)
        {
            _milliseconds[index] = Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalMilliseconds;
        }
    }

    /// <summary>p50, p90 and p99 in milliseconds (nearest rank); NaN when nothing was recorded.</summary>
    public Percentiles Summarize()
    {
        var sorted = _milliseconds.AsSpan(0, Count).ToArray();
        Array.Sort(sorted);
        return new Percentiles(Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99));
    }

    private static double Rank(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>Latency percentiles in milliseconds.</summary>
internal readonly record struct Percentiles(double P50, double P90, double P99)
{
    public static Percentiles None => new(double.NaN, double.NaN, double.NaN);
}
