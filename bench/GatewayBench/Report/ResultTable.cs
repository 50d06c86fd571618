using System.Globalization;
using System.Text;
using Aspire70B.GatewayBench.Load;

namespace Aspire70B.GatewayBench.Report;

/// <summary>
/// The plain-text table: one row per contender and workload, latency added over direct for the same workload,
/// then ratio rows (against direct, nginx and Portkey) and notes.
/// </summary>
internal static class ResultTable
{
    private static readonly string[] Baselines = ["direct", "nginx", "portkey", "apiservice cache-off"];

    private static readonly string[] Headers = ["contender", "workload", "req/s", "p50 ms", "p90 ms", "p99 ms", "+p50 ms", "+p99 ms", "ttft p50", "ttft p99", "+ttft p50", "errors", "cut", "peak RSS MB"];

    public static string Render(IReadOnlyList<Row> rows)
    {
        var lines = new List<string[]> { Headers };
        foreach (var row in rows)
        {
            if (row.Result is not { } r)
            {
                lines.Add([row.Contender, row.Workload, row.Note ?? "not run", "", "", "", "", "", "", "", "", "", "", ""]);
                continue;
            }

            var direct = rows.FirstOrDefault(d => d.Contender == "direct" && d.Workload == row.Workload)?.Result;
            var added = row.ComparesToDirect && direct is not null;
            lines.Add(
            [
                row.Contender, row.Workload, F(r.RequestsPerSecond, "0"),
                Ms(r.Latency.P50), Ms(r.Latency.P90), Ms(r.Latency.P99),
                added ? Ms(r.Latency.P50 - direct!.Latency.P50, signed: true) : "",
                added ? Ms(r.Latency.P99 - direct!.Latency.P99, signed: true) : "",
                Ms(r.FirstToken.P50), Ms(r.FirstToken.P99),
                added && !double.IsNaN(r.FirstToken.P50) ? Ms(r.FirstToken.P50 - direct!.FirstToken.P50, signed: true) : "",
                r.Errors.ToString(CultureInfo.InvariantCulture),
                r.Cut.ToString(CultureInfo.InvariantCulture),
                row.PeakRssBytes > 0 ? F(row.PeakRssBytes / 1048576.0, "0") : "",
            ]);
        }

        var widths = Enumerable.Range(0, Headers.Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.AppendLine(string.Join("  ", line.Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary>Throughput ratios of each gateway against direct, nginx and Portkey, per workload that measures throughput.</summary>
    public static string Ratios(IReadOnlyList<Row> rows, IEnumerable<string> workloads)
    {
        var text = new StringBuilder();
        foreach (var workload in workloads)
        {
            var measured = rows.Where(r => r.Workload == workload && r.Result is not null).ToDictionary(r => r.Contender, r => r.Result!);
            foreach (var (contender, result) in measured.Where(m => m.Key.StartsWith("apiservice", StringComparison.Ordinal)))
            {
                var parts = Baselines
                    .Where(b => b != contender && measured.ContainsKey(b) && measured[b].RequestsPerSecond > 0)
                    .Select(b => $"{F(result.RequestsPerSecond / measured[b].RequestsPerSecond, "0.00")} x {b}");
                text.AppendLine(CultureInfo.InvariantCulture, $"ratio  {workload,-12} req/s  {contender,-20} = {string.Join(",  ", parts)}");
            }
        }

        return text.ToString();
    }

    public static string Ms(double value, bool signed = false) =>
        double.IsNaN(value) ? "" : (signed && value >= 0 ? "+" : "") + F(value, value is > -10 and < 10 ? "0.00" : "0.0");

    public static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
