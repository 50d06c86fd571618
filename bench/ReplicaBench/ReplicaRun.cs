using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aspire70B.GatewayBench.Contenders;
using Aspire70B.ReplicaBench.Failover;
using Aspire70B.ReplicaBench.Report;

namespace Aspire70B.ReplicaBench;

/// <summary>
/// The whole run: direct to one Simulator, the gateway in front of 1, 2 and 4 replicas under each policy (each on
/// fresh processes), the failover phase, and the report printed and written as markdown.
/// </summary>
internal sealed class ReplicaRun(ReplicaSettings settings, FileInfo? output)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var repository = Repository.Locate();
        var clock = Stopwatch.StartNew();
        void Log(string line) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}");
        var load = new List<double>();
        var bench = new ConfigurationBench(repository, settings, Log);
        var rows = new List<ConfigurationRow>();
        var notes = new List<string>();
        FailoverResult? failover = null;

        foreach (var (replicas, policy, direct) in Configurations())
        {
            load.Add(LoadAverage());
            try
            {
                var row = await bench.RunAsync(replicas, policy, direct, cancellationToken);
                rows.Add(row);
                notes.AddRange(row.Summary!.Failures.Select(f => $"{row.Path} {row.Replicas} x {row.Policy}: {f.Key} x{f.Value}"));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or FileNotFoundException or HttpRequestException)
            {
                var reason = e.Message.Split('\n')[0];
                rows.Add(new ConfigurationRow(direct ? "direct" : "gateway", replicas, policy ?? "-", null, [], $"not run: {reason}"));
                notes.Add($"{replicas} x {policy ?? "-"} could not run: {e.Message}");
                Log($"{replicas} x {policy}: not run: {reason}");
            }
        }

        if (settings.Failover)
        {
            load.Add(LoadAverage());
            try
            {
                failover = await new FailoverRun(repository, settings, Log).RunAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or FileNotFoundException or HttpRequestException)
            {
                notes.Add($"failover phase could not run: {e.Message}");
                Log($"failover: not run: {e.Message.Split('\n')[0]}");
            }
        }

        load.Add(LoadAverage());
        var report = Compose(rows, failover, notes, load, clock.Elapsed);
        Console.WriteLine(report);
        var file = output ?? new FileInfo(Path.Combine(repository.Root, "bench", "results", "replicas-latest.md"));
        file.Directory!.Create();
        await File.WriteAllTextAsync(file.FullName,
            $"# Replica bench: latest result\n\nReproduce with `bench/replicas.sh` (see `bench/README.md`).\n\n```text\n{report.TrimEnd()}\n```\n", cancellationToken);
        Console.Error.WriteLine($"written to {file.FullName}");
        return 0;
    }

    private IEnumerable<(int Replicas, string? Policy, bool Direct)> Configurations()
    {
        if (settings.Direct)
        {
            yield return (1, null, true);
        }

        foreach (var count in settings.ReplicaCounts.Order())
        {
            if (count == 1)
            {
                // One replica: every policy picks it, so it runs once.
                yield return (1, null, false);
                continue;
            }

            foreach (var policy in settings.Policies)
            {
                yield return (count, policy, false);
            }
        }
    }

    private string Compose(IReadOnlyList<ConfigurationRow> rows, FailoverResult? failover, IReadOnlyList<string> notes, IReadOnlyList<double> load, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Replica bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, profile {settings.Profile}, Simulator time scale {settings.TimeScale:0.##}{(settings.Quick ? ", --quick" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"workload: {settings.Users} users in closed loop, conversations of {settings.Turns} turns on {ReplicaSettings.SystemPrompts} shared system prompts (~1.5K tokens), user turns ~100-300 tokens, every turn resends the history; streamed, max_tokens {settings.MaxTokens}, temperature 0; gateway without prompt cache");
        text.AppendLine(CultureInfo.InvariantCulture, $"each configuration on fresh processes: {settings.WarmUp.TotalSeconds:0} s warm-up, then {settings.Measured.TotalSeconds:0} s measured (the chats that ended in it); load average (1 min) {Describe(load)}; run took {elapsed:m\\:ss}");
        text.AppendLine();
        text.Append(ReplicaTable.Render(rows));
        text.AppendLine();
        text.Append(ReplicaTable.PrefixCacheDetail(rows));
        if (failover is not null)
        {
            text.AppendLine();
            text.Append(ReplicaTable.Failover(failover));
        }

        foreach (var note in notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"note: {note}");
        }

        return text.ToString();
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static string Describe(IReadOnlyList<double> samples) => samples.Count == 0
        ? "unknown"
        : string.Create(CultureInfo.InvariantCulture, $"min {samples.Min():0.00}, median {samples.Order().ElementAt(samples.Count / 2):0.00}, max {samples.Max():0.00}");
}
