using Aspire70B.GatewayBench.Contenders;
using Aspire70B.GatewayBench.Load;
using Aspire70B.GatewayBench.Processes;
using Aspire70B.GatewayBench.Report;

namespace Aspire70B.GatewayBench;

/// <summary>
/// Drives every workload at every contender. Each contender is warmed once (not measured) and kept running; then each
/// workload is run at all of them in turn, repeat after repeat, the order rotated each time, and reduced to medians.
/// Interleaved so, the contenders of one workload share the machine's conditions: on a shared VM those drift over
/// minutes, and a run that measured each contender's workloads back to back put that drift into every ratio
/// (cache-off saturation read 0.47x nginx in one full run and 0.73x in another of the same build).
/// </summary>
internal sealed class ContenderBench(BenchSettings settings, Action<string> log)
{
    /// <summary>What failed, per contender, for the report's notes.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Starts sampling the contender's memory and warms it up; it stays warm, to be measured with the others.</summary>
    public async Task<WarmContender> WarmUpAsync(Contender contender, bool streams, CancellationToken cancellationToken)
    {
        var memory = new MemorySampler(contender.MeasuredProcessId, TimeSpan.FromMilliseconds(200));
        var client = NewClient(contender.Target);
        var warm = new WarmContender(contender, streams, client, memory);
        try
        {
            await WarmUpAsync(client, cancellationToken);
        }
        catch
        {
            await warm.DisposeAsync();
            throw;
        }

        log($"{contender.Name,-22} warmed up");
        return warm;
    }

    /// <summary>Every workload at every contender, interleaved; one row per contender and workload, in the contenders' order.</summary>
    public async Task<IReadOnlyList<Row>> RunAsync(IReadOnlyList<WarmContender> contenders, CancellationToken cancellationToken)
    {
        var workloads = new List<(string Name, bool Streams, Func<LoadClient, Task<PhaseResult>> Run)>();
        foreach (var rate in settings.Rates)
        {
            workloads.Add((Workloads.Open(rate), false, c => OpenLoop.ChatAsync(c, rate, settings.Phase, BenchSettings.MaxInFlight, cancellationToken)));
        }

        workloads.Add((Workloads.Saturation, false, c => ClosedLoop.ChatAsync(c, settings.SaturationWorkers, settings.Phase, cancellationToken)));
        workloads.Add((Workloads.OpenStreams(settings.StreamRate), true,
            c => OpenLoop.StreamAsync(c, settings.StreamRate, settings.Phase, BenchSettings.MaxInFlight, cancellationToken)));
        workloads.Add((Workloads.Streams(settings.Streams), true, c => ClosedLoop.StreamAsync(c, settings.Streams, settings.Phase, cancellationToken)));

        var medians = new Dictionary<(WarmContender, string), PhaseResult>();
        foreach (var (workload, streams, run) in workloads)
        {
            var taking = contenders.Where(c => c.Streams || !streams).ToList();
            var runs = taking.ToDictionary(c => c, _ => new List<PhaseResult>());
            for (var repeat = 0; repeat < settings.Repeats; repeat++)
            {
                for (var i = 0; i < taking.Count; i++)
                {
                    var contender = taking[(i + repeat) % taking.Count];
                    runs[contender].Add(await run(contender.Client));
                    await SettleAsync(contender.Contender, cancellationToken);
                }
            }

            foreach (var contender in taking)
            {
                var median = PhaseResult.Median(runs[contender]);
                medians[(contender, workload)] = median;
                Log(contender.Contender.Name, workload, median);
            }
        }

        var rows = new List<Row>();
        foreach (var contender in contenders)
        {
            var peak = contender.Memory.PeakBytes;
            NoteFailures(contender.Contender.Name, "measured phases", contender.Client);
            rows.AddRange(workloads.Where(w => medians.ContainsKey((contender, w.Name)))
                .Select(w => new Row(contender.Contender.Name, w.Name, medians[(contender, w.Name)], peak)));
        }

        return rows;
    }

    /// <summary>
    /// Waits (up to 10 s) until the contender has stopped working: one that fell behind (Portkey, overloaded) still
    /// serves the requests its clients gave up on, which would otherwise run during the next contender's phase.
    /// </summary>
    private static async Task SettleAsync(Contender contender, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var before = ProcessTree.CpuTicks(contender.MeasuredProcessId);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            var now = ProcessTree.CpuTicks(contender.MeasuredProcessId);
            // Idle: under 10 ms of CPU in 250 ms (clock ticks are 10 ms).
            if (now - before <= 1)
            {
                return;
            }

            before = now;
        }
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

    /// <summary>
    /// Streams held at full concurrency for a long time, in thirds, the contender's RSS sampled every second while they
    /// run and its live heap read idle before the run and after each third.
    /// </summary>
    public async Task<SustainedResult> SustainedAsync(Contender contender, CancellationToken cancellationToken)
    {
        using var client = NewClient(contender.Target);
        await WarmUpAsync(client, cancellationToken);
        var thirds = new List<PhaseResult>();
        var series = new List<(TimeSpan At, long Rss)>();
        var heaps = new List<(TimeSpan At, HeapSnapshot Heap)>();
        var tool = HeapSnapshots.FindTool();
        var third = settings.Sustained / 3;
        // Idle snapshots, not snapshots under load, which swing by several MB with the requests in flight. The one
        // before the run is for the record; the growth check compares the thirds: the first fills the pools (Kestrel's
        // blocks, the thread pool's threads and their array caches) to what this concurrency needs, and they drain
        // over minutes once idle, while what is kept per request would grow by the same amount in every third.
        await SnapshotAsync(TimeSpan.Zero);
        for (var i = 1; i <= 3; i++)
        {
            await using (var memory = new MemorySampler(contender.MeasuredProcessId, TimeSpan.FromSeconds(1)))
            {
                thirds.Add(await ClosedLoop.StreamAsync(client, settings.Streams, third, cancellationToken));
                series.AddRange(memory.Series.Select(s => (s.At + (third * (i - 1)), s.Rss)));
            }

            await SnapshotAsync(third * i);
        }

        var result = PhaseResult.Median(thirds);
        NoteFailures(contender.Name, "sustained run", client);
        log($"{contender.Name,-22} sustained {settings.Sustained.TotalSeconds:0} s: {result.RequestsPerSecond:0} streams/s, {result.Errors} errors");
        return new SustainedResult(contender.Name, settings.Streams, settings.Sustained, result, series, heaps);

        async Task SnapshotAsync(TimeSpan at)
        {
            if (tool is null)
            {
                return;
            }

            // Idle means the connection pools have let the run's connections go too (ApiService's upstream pool and the
            // load client keep an idle connection 4 s): a thousand idle upstream connections are ~10 MB of live heap,
            // more or fewer depending on when the snapshot happens to fall.
            await Task.Delay(TimeSpan.FromSeconds(8), cancellationToken);
            if (await HeapSnapshots.TakeAsync(tool, contender.MeasuredProcessId, cancellationToken) is { } heap)
            {
                heaps.Add((at, heap));
                log($"{contender.Name,-22} live heap after a full GC, idle, at {at.TotalSeconds:0} s: {heap.Bytes / 1048576.0:0.0} MB, Kestrel's pool {heap.KestrelBlocks} blocks");
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
        Log(contender, workload, median);
        return median;
    }

    private void Log(string contender, string workload, PhaseResult median) =>
        log($"{contender,-22} {workload,-14} {median.RequestsPerSecond,8:0} req/s  p50 {median.Latency.P50,7:0.00} ms  p99 {median.Latency.P99,8:0.00} ms  ttft p50 {median.FirstToken.P50,7:0.00} ms  errors {median.Errors}  cut {median.Cut}");
}

/// <summary>A contender started, warmed and under memory sampling, with the client that loads it; disposing stops it.</summary>
internal sealed class WarmContender(Contender contender, bool streams, LoadClient client, MemorySampler memory) : IAsyncDisposable
{
    public Contender Contender { get; } = contender;

    /// <summary>Whether it runs the stream workloads (whole-answer changes only requests that do not stream).</summary>
    public bool Streams { get; } = streams;

    public LoadClient Client { get; } = client;

    public MemorySampler Memory { get; } = memory;

    public async ValueTask DisposeAsync()
    {
        await Memory.DisposeAsync();
        Client.Dispose();
        await Contender.DisposeAsync();
    }
}

/// <summary>A long run's throughput and its memory series, for the growth check.</summary>
internal sealed record SustainedResult(
    string Contender, int Streams, TimeSpan Duration, PhaseResult Result, IReadOnlyList<(TimeSpan At, long Rss)> Series, IReadOnlyList<(TimeSpan At, HeapSnapshot Heap)> Heaps)
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
