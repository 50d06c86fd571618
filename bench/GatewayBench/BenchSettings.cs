namespace Aspire70B.GatewayBench;

/// <summary>How long and how hard each workload runs. Every phase is bounded; the defaults finish in about 7 minutes.</summary>
internal sealed record BenchSettings(
    TimeSpan Phase,
    int Repeats,
    IReadOnlyList<int> Rates,
    int SaturationWorkers,
    int Streams,
    int StreamRate,
    TimeSpan Sustained,
    string Profile)
{
    /// <summary>
    /// Long enough for tiered compilation to settle: profiled under this bench, ApiService spent a quarter of its CPU in
    /// the JIT's background thread for its first ~10 s of load (about 14,000 methods), then under 2 %.
    /// </summary>
    public static TimeSpan WarmUp => TimeSpan.FromSeconds(5);

    /// <summary>A request that takes longer has failed; it also bounds every drain.</summary>
    public static TimeSpan RequestTimeout => TimeSpan.FromSeconds(10);

    /// <summary>The open loop never has more requests outstanding than this; beyond it, arrivals count as errors.</summary>
    public static int MaxInFlight => 2000;
}
