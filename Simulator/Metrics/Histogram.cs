namespace Aspire70B.Simulator.Metrics;

/// <summary>A cumulative histogram with fixed upper bounds, like prometheus_client's. Thread-safe.</summary>
internal sealed class Histogram(IReadOnlyList<double> upperBounds)
{
    private readonly Lock _lock = new();
    private readonly long[] _counts = new long[upperBounds.Count + 1];
    private double _sum;

    public IReadOnlyList<double> UpperBounds { get; } = upperBounds;

    public void Observe(double value)
    {
        lock (_lock)
        {
            var bucket = 0;
            while (bucket < UpperBounds.Count && value > UpperBounds[bucket])
            {
                bucket++;
            }

            _counts[bucket]++;
            _sum += value;
        }
    }

    /// <summary>Cumulative counts per bound (the last is +Inf), and the sum.</summary>
    public (long[] Cumulative, double Sum) Snapshot()
    {
        lock (_lock)
        {
            var cumulative = new long[_counts.Length];
            long running = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                running += _counts[i];
                cumulative[i] = running;
            }

            return (cumulative, _sum);
        }
    }

    /// <summary>vLLM's buckets for token counts: 1, 2, 5, 10, 20, 50, … up to <paramref name="max"/>.</summary>
    public static double[] OneTwoFive(int max)
    {
        var bounds = new List<double>();
        for (long magnitude = 1; ; magnitude *= 10)
        {
            foreach (var m in new[] { 1, 2, 5 })
            {
                var bound = m * magnitude;
                if (bound > max)
                {
                    return [.. bounds];
                }

                bounds.Add(bound);
            }
        }
    }
}
