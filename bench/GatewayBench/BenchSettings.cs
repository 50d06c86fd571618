namespace Aspire70B.GatewayBench;

/// <summary>How long and how hard each workload runs. Every phase is bounded; the defaults finish in about 15 minutes.</summary>
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
    /// Long enough for tiered compilation to settle (this, then half as long of streams): from a cold start under
    /// saturation, ApiService's JIT compiled for 0.5–0.7 s of every second for its first ~22 s (dotnet-counters,
    /// <c>dotnet.jit.compilation.time</c>), then almost nothing; on a slower day, 3–3.7 s of JIT in every 5 s up to
    /// ~25 s and some until ~30 s (dynamic PGO's re-compiles). A shorter warm-up measured the first open-loop phase
    /// while the JIT still took a core's worth of CPU in bursts.
    /// </summary>
    public static TimeSpan WarmUp => TimeSpan.FromSeconds(20);

    /// <summary>A request that takes longer has failed; it also bounds every drain.</summary>
    public static TimeSpan RequestTimeout => TimeSpan.FromSeconds(10);

    /// <summary>The open loop never has more requests outstanding than this; beyond it, arrivals count as errors.</summary>
    public static int MaxInFlight => 2000;
}
