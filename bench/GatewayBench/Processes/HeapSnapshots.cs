using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Aspire70B.GatewayBench.Processes;

/// <summary>
/// The managed heap after a full collection, read with <c>dotnet-gcdump</c> (a global dotnet tool): <c>collect</c>
/// induces a gen-2 GC in the target and writes what survived, <c>report</c> prints its total ("GC Heap bytes"). Two
/// snapshots, idle before and after a long run, tell whether what the process keeps grows — RSS cannot, since
/// the GC keeps freed memory committed for reuse.
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

    /// <summary>The live heap of <paramref name="processId"/> after a gen-2 collection, in bytes; null when the tool failed.</summary>
    public static async Task<long?> LiveHeapBytesAsync(string tool, int processId, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gatewaybench-{processId}-{Guid.NewGuid():N}.gcdump");
        try
        {
            if (await RunAsync(tool, ["collect", "-p", processId.ToString(CultureInfo.InvariantCulture), "-o", file], cancellationToken) is null || !File.Exists(file))
            {
                return null;
            }

            var report = await RunAsync(tool, ["report", file], cancellationToken);
            var match = report is null ? null : HeapBytes().Match(report);
            return match is { Success: true } ? long.Parse(match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : null;
        }
        finally
        {
            File.Delete(file);
        }
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
}
