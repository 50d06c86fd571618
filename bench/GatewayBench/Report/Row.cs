using Aspire70B.GatewayBench.Load;

namespace Aspire70B.GatewayBench.Report;

/// <summary>Workload names, shared by the runner and the report so rows of different contenders line up.</summary>
internal static class Workloads
{
    public const string Saturation = "saturation";

    public static string Open(int rate) => $"open {rate}/s";

    public static string Streams(int concurrency) => $"{concurrency} streams";

    public static string OpenStreams(int rate) => $"open {rate} str/s";
}

/// <summary>
/// One line of the table: a contender under one workload (medians over the repeats), or a note when it could not
/// run. The load generator's ceiling is a row too, but nothing is added "over direct" for it.
/// </summary>
internal sealed record Row(string Contender, string Workload, PhaseResult? Result, long PeakRssBytes, string? Note = null)
{
    public const string Ceiling = "loadgen ceiling";

    public bool ComparesToDirect => Contender is not ("direct" or Ceiling);
}
