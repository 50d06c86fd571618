using System.Globalization;
using System.Text;
using Aspire70B.GatewayBench.Load;

namespace Aspire70B.GatewayBench.Report;

/// <summary>Issue 17's targets, each checked against the measured rows: met or missed, and by how much.</summary>
internal static class TargetReport
{
    public const string CacheOff = "apiservice cache-off";
    public const string CacheHits = "apiservice cache-hits";

    /// <summary>Cache off, with <c>Backend:UpstreamStreaming=WhenClientStreams</c>: non-streamed requests asked for in one piece.</summary>
    public const string WholeAnswers = "apiservice whole-answer";

    /// <summary>The live heap (after a full GC) counts as grown when its last snapshot is this much above its first.</summary>
    private const long HeapGrowthToleranceBytes = 4 * 1048576;

    public static string Render(IReadOnlyList<Row> rows, IReadOnlyList<int> rates, int streams, int streamRate, SustainedResult? sustained)
    {
        var text = new StringBuilder();
        PhaseResult? Get(string contender, string workload) => rows.FirstOrDefault(r => r.Contender == contender && r.Workload == workload)?.Result;
        void Check(string target, bool? met, string measured) =>
            text.AppendLine(CultureInfo.InvariantCulture, $"{(met switch { true => "met   ", false => "MISSED", null => "n/a   " })}  {target,-52} {measured}");

        // "At a rate the machine sustains": every open-loop rate both direct and the gateway kept up with, error-free,
        // is checked on its own line, since on a shared machine one rate's tail can be another process's doing.
        // The default (every model call streamed), then the same targets with non-streamed requests asked for whole.
        foreach (var (contender, label) in (ReadOnlySpan<(string, string)>)[(CacheOff, "cache off"), (WholeAnswers, "cache off, whole answers")])
        {
            if (Get(contender, Workloads.Saturation) is null)
            {
                continue;
            }

            var keptUp = rates.Where(rate =>
                Get("direct", Workloads.Open(rate)) is { } d && Get(contender, Workloads.Open(rate)) is { } g && KeptUp(d, rate) && KeptUp(g, rate)).ToList();
            foreach (var rate in keptUp)
            {
                var direct = Get("direct", Workloads.Open(rate))!;
                var off = Get(contender, Workloads.Open(rate))!;
                var p50 = off.Latency.P50 - direct.Latency.P50;
                var p99 = off.Latency.P99 - direct.Latency.P99;
                Check($"{label}: added p50 <= 0.3 ms at {rate}/s", p50 <= 0.3, $"{Ms(p50)} ms ({ResultTable.Ms(off.Latency.P50)} vs {ResultTable.Ms(direct.Latency.P50)} direct)");
                Check($"{label}: added p99 <= 1.5 ms at {rate}/s", p99 <= 1.5, $"{Ms(p99)} ms ({ResultTable.Ms(off.Latency.P99)} vs {ResultTable.Ms(direct.Latency.P99)} direct)");
            }

            if (keptUp.Count == 0)
            {
                Check($"{label}: added latency at a sustained rate", null, "no rate was kept up with by both direct and ApiService");
            }

            Ratio($"{label}: saturation >= 0.7 x nginx", Get(contender, Workloads.Saturation), Get("nginx", Workloads.Saturation), 0.7);
        }

        foreach (var rate in rates)
        {
            if (Get(CacheHits, Workloads.Open(rate)) is { } hits && KeptUp(hits, rate))
            {
                Check($"cache hits: p99 <= 2 ms at {rate}/s", hits.Latency.P99 <= 2, $"{ResultTable.Ms(hits.Latency.P99)} ms");
            }
        }

        Ratio("cache hits: saturation >= 1.0 x nginx", Get(CacheHits, Workloads.Saturation), Get("nginx", Workloads.Saturation), 1.0);

        var streamWorkload = Workloads.Streams(streams);
        if (Get(CacheOff, streamWorkload) is { } s && Get("direct", streamWorkload) is { } ds)
        {
            Check($"{streams} streams: zero errors", s.Errors == 0, $"{s.Errors} errors in {s.RequestsPerSecond:0} streams/s");
            var ttft = s.FirstToken.P50 - ds.FirstToken.P50;
            var share = ds.FirstToken.P50 > 0 ? ttft / ds.FirstToken.P50 : double.NaN;
            Check($"{streams} streams: added TTFT p50 <= 25 % of direct's", share <= 0.25,
                $"{Ms(ttft)} ms = {(share * 100).ToString("0", CultureInfo.InvariantCulture)} % ({ResultTable.Ms(s.FirstToken.P50)} vs {ResultTable.Ms(ds.FirstToken.P50)} direct)");
        }

        // With the Simulator at time scale 0, a thousand concurrent streams are a CPU queue: their first token waits
        // for the cores, not for the gateway. Streams arriving at a rate the machine serves show the gateway's own share.
        var openStreams = Workloads.OpenStreams(streamRate);
        if (Get(CacheOff, openStreams) is { } os && Get("direct", openStreams) is { } dos)
        {
            var ttft = os.FirstToken.P50 - dos.FirstToken.P50;
            Check($"streams: added TTFT p50 <= 1 ms at {streamRate}/s", ttft <= 1, $"{Ms(ttft)} ms ({ResultTable.Ms(os.FirstToken.P50)} vs {ResultTable.Ms(dos.FirstToken.P50)} direct)");
        }

        if (sustained is not null)
        {
            var (_, _, peak) = sustained.Memory;
            Check($"{sustained.Streams} streams: zero errors over {sustained.Duration.TotalSeconds:0} s", sustained.Result.Errors == 0, $"{sustained.Result.Errors} errors");
            var overall = Math.Max(peak, rows.Where(r => r.Contender == CacheOff).Select(r => r.PeakRssBytes).DefaultIfEmpty(0).Max());
            Check("RSS <= 250 MB", overall <= 250 * 1048576L, $"peak {Mb(overall)} MB over all phases (sustained run alone: {Mb(peak)} MB)");
            // The first third fills the pools to the run's concurrency (see SustainedAsync); growth is what the later
            // thirds add to it.
            var afterThirds = sustained.Heaps.Where(h => h.At > TimeSpan.Zero).ToArray();
            if (afterThirds is [var first, .., var last] && first != last)
            {
                var before = sustained.Heaps.Where(h => h.At == TimeSpan.Zero).Select(h => $"; before the run {MbExact(h.Heap.Bytes)} MB, {h.Heap.KestrelBlocks} of Kestrel's blocks").FirstOrDefault();
                Check("managed heap after a full GC does not grow", last.Heap.Bytes - first.Heap.Bytes <= HeapGrowthToleranceBytes,
                    $"{MbExact(first.Heap.Bytes)} MB idle after the first third, {MbExact(last.Heap.Bytes)} MB after the last, {first.Heap.KestrelBlocks} -> {last.Heap.KestrelBlocks} of Kestrel's blocks (dotnet-gcdump; tolerance {Mb(HeapGrowthToleranceBytes)} MB{before})");
            }
            else
            {
                Check("managed heap after a full GC does not grow", null, "dotnet-gcdump not installed or failed (dotnet tool install -g dotnet-gcdump)");
            }
        }

        return text.ToString();

        void Ratio(string target, PhaseResult? measured, PhaseResult? baseline, double needed)
        {
            if (measured is null || baseline is null || baseline.RequestsPerSecond <= 0)
            {
                Check(target, null, "not measured");
                return;
            }

            var ratio = measured.RequestsPerSecond / baseline.RequestsPerSecond;
            Check(target, ratio >= needed, $"{ratio.ToString("0.00", CultureInfo.InvariantCulture)} x ({measured.RequestsPerSecond:0} vs {baseline.RequestsPerSecond:0} req/s)");
        }
    }

    /// <summary>The rate was served: at least 95 % of it completed, without an error.</summary>
    public static bool KeptUp(PhaseResult result, int rate) => result.Errors == 0 && result.RequestsPerSecond >= 0.95 * rate;

    private static string Ms(double value) => ResultTable.Ms(value, signed: true);

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture);

    private static string MbExact(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}
