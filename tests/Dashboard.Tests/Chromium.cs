using System.Diagnostics;

namespace Aspire70B.Dashboard.Tests;

/// <summary>
/// The machine's own Chromium (Debian's <c>chromium</c>), which Playwright drives through <c>ExecutablePath</c>: no
/// browser is downloaded. When it is missing and the tests run as root, it is installed once with apt-get, as
/// <c>.ci/run</c> does on a fresh machine.
/// </summary>
internal static class Chromium
{
    private static readonly string[] Names = ["chromium", "chromium-browser"];
    private static readonly Lazy<(string? Path, string? Reason)> Found = new(FindOrInstall);

    /// <summary>The browser's path, or null when there is none and none could be installed.</summary>
    public static string? ExecutablePath => Found.Value.Path;

    /// <summary>Why <see cref="ExecutablePath"/> is null.</summary>
    public static string? Unavailable => Found.Value.Reason;

    private static (string? Path, string? Reason) FindOrInstall()
    {
        if (FindOnPath() is { } path)
        {
            return (path, null);
        }

        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess || FindOnPath("apt-get") is null)
        {
            return (null, "No chromium on PATH, and it cannot be installed here (needs apt-get as root): apt-get install -y chromium.");
        }

        var log = Run("apt-get", "update -qq") + Run("apt-get", "install -y -qq chromium");
        return FindOnPath() is { } installed
            ? (installed, null)
            : (null, $"No chromium on PATH, and 'apt-get install -y chromium' did not install it:\n{log}");
    }

    private static string? FindOnPath() => Names.Select(FindOnPath).FirstOrDefault(p => p is not null);

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Bounded: a package install on a loaded machine takes a minute or two, never this long.
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            return $"{file} {arguments}: still running after 10 min, killed\n";
        }

        return $"{file} {arguments}: exit {process.ExitCode}\n{output.Result}{error.Result}";
    }
}
