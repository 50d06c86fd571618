using Aspire70B.GatewayBench.Contenders;
using Aspire70B.GatewayBench.Load;
using Aspire70B.GatewayBench.Processes;
using Aspire70B.GatewayBench.Report;

namespace Aspire70B.GatewayBench;

/// <summary>
/// Drives every workload at one contender: a warm-up that is not measured, then each workload repeated and reduced
/// to medians, while the contender's process tree is sampled for memory.
/// </summary>
internal sealed class ContenderBench(BenchSettings settings, Action<string> log)
{
    /// <summary>What failed, per contender, for the report's notes.</summary>
    public List<string> Notes { get; } = [];

    public async Task<IReadOnlyList<Row>> RunAsync(Contender contender, bool streams, CancellationToken cancellationToken)
    {
        await using var memory = new MemorySampler(contender.MeasuredProcessId, TimeSpan.FromMilliseconds(200));
        using var client = NewClient(contender.Target);
        await WarmUpAsync(client, cancellationToken);

        var results = new List<(string Workload, PhaseResult Result)>();
        foreach (var rate in settings.Rates)
        {
            results.Add((Workloads.Open(rate), await RepeatAsync(contender.Name, Workloads.Open(rate),
                () => OpenLoop.ChatAsync(client, rate, settings.Phase, BenchSettings.MaxInFlight, cancellationToken))));
        }

        results.Add((Workloads.Saturation, await RepeatAsync(contender.Name, Workloads.Saturation,
            () => ClosedLoop.ChatAsync(client, settings.SaturationWorkers, settings.Phase, cancellationToken))));
        if (streams)
        {
            results.Add((Workloads.OpenStreams(settings.StreamRate), await RepeatAsync(contender.Name, Workloads.OpenStreams(settings.StreamRate),
                () => OpenLoop.StreamAsync(client, settings.StreamRate, settings.Phase, BenchSettings.MaxInFlight, cancellationToken))));
            results.Add((Workloads.Streams(settings.Streams), await RepeatAsync(contender.Name, Workloads.Streams(settings.Streams),
                () => ClosedLoop.StreamAsync(client, settings.Streams, settings.Phase, cancellationToken))));
        }


        var peak = memory.PeakBytes;
        NoteFailures(contender.Name, "measured phases", client);
        return [.. results.Select(r => new Row(contender.Name, r.Workload, r.Result, peak))];
    }

    /// <summary>The load generator against nginx's own 200: the most it can drive on this machine, next to everything else.</summary>
    public async Task<IReadOnlyList<Row>> CeilingAsync(ChatTarget trivial, CancellationToken cancellationToken)
    {
        using var client = NewClient(trivial);
        await WarmUpAsync(client, cancellationToken);
        var top = settings.Rates.Max();
        IReadOnlyList<Row> rows =
        [
            new Row(Row.Ceiling, Workloads.Open(top), await RepeatAsync(Row.Ceiling, Workloads.Open(top),
                () => OpenLoop.ChatAsync(client, top, settings.Phase, BenchSettings.MaxInFlight, cancellationToken)), 0),
            new Row(Row.Ceiling, Workloads.Saturation, await RepeatAsync(Row.Ceiling, Workloads.Saturation,
                () => ClosedLoop.ChatAsync(client, settings.SaturationWorkers, settings.Phase, cancellationToken)), 0),
        ];
        NoteFailures(Row.Ceiling, "measured phases", client);
        return rows;
    }

    /// <summary>Streams held at full concurrency for a long time, the contender's RSS sampled every second.</summary>
    public async Task<SustainedResult> SustainedAsync(Contender contender, CancellationToken cancellationToken)
    {
        using var client = NewClient(contender.Target);
        await WarmUpAsync(client, cancellationToken);
        PhaseResult result;
        IReadOnlyList<(TimeSpan At, long Rss)> series;
        var heaps = new List<(TimeSpan At, long Bytes)>();
        var tool = HeapSnapshots.FindTool();
        // The live heap after a full GC, taken idle just before and just after the run: what the process keeps, without
        // the in-flight requests that make a snapshot under load swing by several MB either way. The phases before this
        // one already held as many streams, so pools and connections are at the same size in both.
        await SnapshotAsync(TimeSpan.Zero);
        await using (var memory = new MemorySampler(contender.MeasuredProcessId, TimeSpan.FromSeconds(1)))
        {
            result = await ClosedLoop.StreamAsync(client, settings.Streams, settings.Sustained, cancellationToken);
            series = memory.Series;
        }

        await SnapshotAsync(settings.Sustained);

        NoteFailures(contender.Name, "sustained run", client);
        log($"{contender.Name,-22} sustained {settings.Sustained.TotalSeconds:0} s: {result.RequestsPerSecond:0} streams/s, {result.Errors} errors");
        return new SustainedResult(contender.Name, settings.Streams, settings.Sustained, result, series, heaps);

        async Task SnapshotAsync(TimeSpan at)
        {
            if (tool is null)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            if (await HeapSnapshots.LiveHeapBytesAsync(tool, contender.MeasuredProcessId, cancellationToken) is { } bytes)
            {
                heaps.Add((at, bytes));
            }
        }
    }

    private static LoadClient NewClient(ChatTarget target) =>
        new(target, maxConnections: 1024, BenchSettings.RequestTimeout);

    /// <summary>
    /// The Simulator serves every contender, so it is warmed once, before the first: otherwise direct, measured first,
    /// would run on code the JIT has not optimised yet and look slower than the proxies in front of it.
    /// </summary>
    public async Task WarmUpBackendAsync(ChatTarget simulator, CancellationToken cancellationToken)
    {
        using var client = NewClient(simulator);
        await WarmUpAsync(client, cancellationToken);
    }

    private async Task WarmUpAsync(LoadClient client, CancellationToken cancellationToken)
    {
        await ClosedLoop.ChatAsync(client, settings.SaturationWorkers, BenchSettings.WarmUp, cancellationToken);
        await ClosedLoop.StreamAsync(client, settings.Streams, BenchSettings.WarmUp / 2, cancellationToken);
        client.Failures.Clear();
    }

    private void NoteFailures(string contender, string phase, LoadClient client)
    {
        if (!client.Failures.IsEmpty)
        {
            Notes.Add($"{contender}, {phase}: errors by kind: {string.Join(", ", client.Failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key} x{f.Value}"))}");
        }
    }

    private async Task<PhaseResult> RepeatAsync(string contender, string workload, Func<Task<PhaseResult>> run)
    {
        var runs = new List<PhaseResult>();
        for (var i = 0; i < settings.Repeats; i++)
        {
            runs.Add(await run());
        }

        var median = PhaseResult.Median(runs);
        log($"{contender,-22} {workload,-14} {median.RequestsPerSecond,8:0} req/s  p50 {median.Latency.P50,7:0.00} ms  p99 {median.Latency.P99,8:0.00} ms  ttft p50 {median.FirstToken.P50,7:0.00} ms  errors {median.Errors}  cut {median.Cut}");
        return median;
    }
}

/// <summary>A long run's throughput and its memory series, for the growth check.</summary>
internal sealed record SustainedResult(
    string Contender, int Streams, TimeSpan Duration, PhaseResult Result, IReadOnlyList<(TimeSpan At, long Rss)> Series, IReadOnlyList<(TimeSpan At, long Bytes)> Heaps)
{
    /// <summary>Median RSS of the first and last fifth of the run, in bytes (the first fifth after warm-up).</summary>
    public (long Early, long Late, long Peak) Memory
    {
        get
        {
            if (Series.Count == 0)
            {
                return (0, 0, 0);
            }

            var fifth = Math.Max(1, Series.Count / 5);
            static long Median(IEnumerable<long> values)
            {
                var sorted = values.Order().ToArray();
                return sorted[sorted.Length / 2];
            }

            return (Median(Series.Take(fifth).Select(s => s.Rss)), Median(Series.TakeLast(fifth).Select(s => s.Rss)), Series.Max(s => s.Rss));
        }
    }
}
