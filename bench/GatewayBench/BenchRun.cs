using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aspire70B.GatewayBench.Contenders;
using Aspire70B.GatewayBench.Report;

namespace Aspire70B.GatewayBench;

/// <summary>
/// One whole run: the Simulator, then every contender started and warmed in turn and kept running, each workload
/// measured at all of them interleaved, the load generator's ceiling, the sustained memory run, and the report
/// printed and written as markdown.
/// </summary>
internal sealed class BenchRun(BenchSettings settings, IReadOnlyCollection<string>? only, FileInfo? output)
{
    private static readonly string[] Order = ["direct", "nginx", "portkey", "apiservice-whole", "apiservice-off", "apiservice-hits"];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var repository = Repository.Locate();
        var work = Directory.CreateTempSubdirectory("aspire70b-gateway-bench-");
        var clock = Stopwatch.StartNew();
        var load = new LoadAverage();
        var bench = new ContenderBench(settings, line => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}"));
        var launcher = new Launcher(repository, settings.Profile, work.FullName);
        var rows = new List<Row>();
        var notes = new List<string>();
        var contenders = new List<WarmContender>();
        WarmContender? nginx = null, cacheOff = null;
        SustainedResult? sustained = null;
        load.Sample();
        try
        {
            await using var simulator = await launcher.SimulatorAsync(cancellationToken);
            var simulatorAddress = simulator.Address!;
            await bench.WarmUpBackendAsync(Contender.ChatAt(simulatorAddress), cancellationToken);
            try
            {
                foreach (var name in Order.Where(n => only is null || only.Contains(n)))
                {
                    load.Sample();
                    Contender contender;
                    try
                    {
                        contender = name switch
                        {
                            "direct" => Launcher.Direct(simulator, simulatorAddress),
                            "nginx" => await launcher.NginxAsync(simulatorAddress, cancellationToken),
                            "portkey" => await launcher.PortkeyAsync(simulatorAddress, cancellationToken),
                            "apiservice-off" => await launcher.ApiServiceAsync(TargetReport.CacheOff, simulatorAddress, withCache: false, cancellationToken),
                            "apiservice-whole" => await launcher.ApiServiceAsync(TargetReport.WholeAnswers, simulatorAddress, withCache: false, cancellationToken,
                                new Dictionary<string, string> { ["Backend__UpstreamStreaming"] = "WhenClientStreams" }),
                            _ => await launcher.ApiServiceAsync(TargetReport.CacheHits, simulatorAddress, withCache: true, cancellationToken),
                        };
                    }
                    catch (Exception e) when (e is InvalidOperationException or TimeoutException or FileNotFoundException or System.ComponentModel.Win32Exception)
                    {
                        var reason = e.Message.Split('\n')[0];
                        rows.Add(new Row(name, "all", null, 0, $"not run: {reason}"));
                        notes.Add($"{name} could not be started here: {e.Message}");
                        Console.Error.WriteLine($"{name}: not run: {e.Message}");
                        continue;
                    }

                    // The option changes only requests that do not stream: its stream phases would repeat cache-off's.
                    var warm = await bench.WarmUpAsync(contender, streams: name != "apiservice-whole", cancellationToken);
                    contenders.Add(warm);
                    switch (name)
                    {
                        case "nginx":
                            nginx = warm;
                            break;
                        case "apiservice-off":
                            cacheOff = warm;
                            break;
                    }

                    if (name == "apiservice-hits")
                    {
                        var probe = await CacheProbe.WarmAsync(contender.Target, cancellationToken);
                        notes.Add($"cache-hits contender: x-cache of a repeated non-streamed/streamed request after warming = {probe}");
                    }
                }

                load.Sample();
                rows.AddRange(await bench.RunAsync(contenders, cancellationToken));
                load.Sample();
                if (nginx is not null)
                {
                    rows.AddRange(await bench.CeilingAsync(Launcher.NginxOk(nginx.Contender), cancellationToken));
                }

                if (cacheOff is not null && settings.Sustained > TimeSpan.Zero)
                {
                    sustained = await bench.SustainedAsync(cacheOff.Contender, cancellationToken);
                }

                load.Sample();
            }
            finally
            {
                for (var i = contenders.Count - 1; i >= 0; i--)
                {
                    await contenders[i].DisposeAsync();
                }
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }

        load.Sample();
        notes.AddRange(bench.Notes);
        var report = Compose(rows, sustained, notes, load, clock.Elapsed);
        Console.WriteLine(report);
        var file = output ?? new FileInfo(Path.Combine(repository.Root, "bench", "results", "latest.md"));
        file.Directory!.Create();
        await File.WriteAllTextAsync(file.FullName, Markdown(report), cancellationToken);
        Console.Error.WriteLine($"written to {file.FullName}");
        return 0;
    }

    private string Compose(IReadOnlyList<Row> rows, SustainedResult? sustained, IReadOnlyList<string> notes, LoadAverage load, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Gateway bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, profile {settings.Profile}, Simulator at time scale 0");
        text.AppendLine(CultureInfo.InvariantCulture, $"each phase {settings.Phase.TotalSeconds:0.#} s x {settings.Repeats} runs, the contenders interleaved (medians; errors summed), {(BenchSettings.WarmUp * 1.5).TotalSeconds:0} s warm-up per contender excluded; saturation = {settings.SaturationWorkers} closed-loop clients; streams: 32 tokens each, {settings.StreamRate}/s open loop and {settings.Streams} concurrent closed loop");
        text.AppendLine(CultureInfo.InvariantCulture, $"load average (1 min) during the run: {load.Describe()}; run took {elapsed:m\\:ss}");
        text.AppendLine();
        text.Append(ResultTable.Render(rows));
        text.AppendLine();
        text.Append(ResultTable.Ratios(rows, [Workloads.Saturation, .. settings.Rates.Select(Workloads.Open)]));
        if (sustained is not null)
        {
            var (early, late, peak) = sustained.Memory;
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"sustained: {sustained.Contender}, {sustained.Streams} concurrent streams for {sustained.Duration.TotalSeconds:0} s: {sustained.Result.RequestsPerSecond:0} streams/s, ttft p50 {ResultTable.Ms(sustained.Result.FirstToken.P50)} ms, p99 {ResultTable.Ms(sustained.Result.FirstToken.P99)} ms, {sustained.Result.Errors} errors; RSS first fifth {early / 1048576} MB, last fifth {late / 1048576} MB, peak {peak / 1048576} MB{(sustained.Heaps.Count == 0 ? "" : "; live heap after a full GC, idle (of it Kestrel's block pool): " + string.Join(", ", sustained.Heaps.Select(h => $"{(h.At == TimeSpan.Zero ? "before the run" : $"after {h.At.TotalSeconds:0} s")} {h.Heap.Bytes / 1048576.0:0.0} MB ({h.Heap.KestrelBlockBytes / 1048576.0:0.0})")))}");
        }

        text.AppendLine();
        text.AppendLine("targets (issue 17):");
        text.Append(TargetReport.Render(rows, settings.Rates, settings.Streams, settings.StreamRate, sustained));
        foreach (var note in notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"note: {note}");
        }

        return text.ToString();
    }

    private static string Markdown(string report) =>
        $"# Gateway bench: latest result\n\nReproduce with `bench/gateway.sh` (see `bench/README.md`).\n\n```text\n{report.TrimEnd()}\n```\n";
}

/// <summary>The machine's 1-minute load average, sampled between phases: other work on the machine skews every figure.</summary>
internal sealed class LoadAverage
{
    private readonly List<double> _samples = [];

    public void Sample() => _samples.Add(double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture));

    public string Describe() => _samples.Count == 0
        ? "unknown"
        : string.Create(CultureInfo.InvariantCulture, $"min {_samples.Min():0.00}, median {_samples.Order().ElementAt(_samples.Count / 2):0.00}, max {_samples.Max():0.00}");
}
