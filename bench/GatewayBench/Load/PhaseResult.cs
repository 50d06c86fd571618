namespace Aspire70B.GatewayBench.Load;

/// <summary>
/// What one run of one workload measured: successes per second, latency (whole response), time to first token;
/// errors, and requests cut because the phase ended while they were in flight.
/// </summary>
internal sealed record PhaseResult(long Succeeded, long Errors, long Cut, TimeSpan Elapsed, Percentiles Latency, Percentiles FirstToken)
{
    public double RequestsPerSecond => Succeeded / Elapsed.TotalSeconds;

    /// <summary>The median of each figure over repeated runs; errors and cuts are summed, not medianed.</summary>
    public static PhaseResult Median(IReadOnlyList<PhaseResult> runs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        static double M(IEnumerable<double> values)
        {
            var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var rate = M(runs.Select(r => r.RequestsPerSecond));
        return new PhaseResult(
            (long)Math.Round(rate),
            runs.Sum(r => r.Errors),
            runs.Sum(r => r.Cut),
            TimeSpan.FromSeconds(1),
            new Percentiles(M(runs.Select(r => r.Latency.P50)), M(runs.Select(r => r.Latency.P90)), M(runs.Select(r => r.Latency.P99))),
            new Percentiles(M(runs.Select(r => r.FirstToken.P50)), M(runs.Select(r => r.FirstToken.P90)), M(runs.Select(r => r.FirstToken.P99))));
    }
}
