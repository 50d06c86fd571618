using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Aspire70B.GatewayBench.Processes;

/// <summary>
/// The managed heap after a full collection, read with <c>dotnet-gcdump</c> (a global dotnet tool): <c>collect</c>
/// induces a gen-2 GC in the target and writes what survived, <c>report</c> prints its total ("GC Heap bytes") and a
/// count per type. Snapshots taken idle at intervals of a long run tell whether what the process keeps grows — RSS
/// cannot, since the GC keeps freed memory committed for reuse.
/// </summary>
internal static partial class HeapSnapshots
{
    /// <summary>The tool, from PATH or the default global-tool folder; null when it is not installed.</summary>
    public static string? FindTool()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(home, ".dotnet", "tools"));
        return candidates.Select(dir => Path.Combine(dir, "dotnet-gcdump")).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The live heap of <paramref name="processId"/> after a gen-2 collection, and how many of Kestrel's 4 KB blocks
    /// it holds (its memory pool keeps the blocks a burst needed and lets 5 % go per 10 s idle); null when the tool failed.
    /// </summary>
    public static async Task<HeapSnapshot?> TakeAsync(string tool, int processId, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gatewaybench-{processId}-{Guid.NewGuid():N}.gcdump");
        try
        {
            if (await RunAsync(tool, ["collect", "-p", processId.ToString(CultureInfo.InvariantCulture), "-o", file], cancellationToken) is null || !File.Exists(file))
            {
                return null;
            }

            return await RunAsync(tool, ["report", file], cancellationToken) is { } report ? Parse(report) : null;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The total and the block count from a <c>dotnet-gcdump report</c>; null without a total.</summary>
    public static HeapSnapshot? Parse(string report)
    {
        var total = HeapBytes().Match(report);
        if (!total.Success)
        {
            return null;
        }

        var blocks = KestrelBlocks().Match(report);
        return new HeapSnapshot(Number(total.Groups[1].Value), blocks.Success ? (int)Number(blocks.Groups[1].Value) : 0);

        static long Number(string digits) => long.Parse(digits.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
    }

    private static async Task<string?> RunAsync(string tool, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return null;
        }

        await errors;
        return process.ExitCode == 0 ? await output : null;
    }

    [GeneratedRegex(@"([\d,]+)\s+GC Heap bytes")]
    private static partial Regex HeapBytes();

    // A row of the report: bytes per object, count, type.
    [GeneratedRegex(@"[\d,]+\s+([\d,]+)\s+Microsoft\.AspNetCore\.MemoryPoolBlock\s")]
    private static partial Regex KestrelBlocks();
}

/// <summary>One snapshot: the live heap after a full GC, and the number of 4 KB blocks Kestrel's memory pool held in it.</summary>
internal sealed record HeapSnapshot(long Bytes, int KestrelBlocks)
{
    /// <summary>A block is a 4,096-byte pinned array and its 40-byte owner.</summary>
    public long KestrelBlockBytes => KestrelBlocks * (4096L + 24 + 40);
}
