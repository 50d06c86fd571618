using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Aspire70B.TestSupport;

namespace Aspire70B.AppHost.Tests;

/// <summary>
/// The AppHost as users run it, a real process with DCP and the dashboard: what it refuses before starting anything,
/// the endpoints file, and what is left after Ctrl+C/SIGTERM or after it is killed outright (nothing).
/// </summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessTests
{
    [Fact]
    public async Task AnInfeasibleProfileExits1WithThePlannersReasonsAndStartsNothing()
    {
        await using var appHost = AppHostProcess.Start(["--profile", "fp8-h100-guide"]);

        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromMinutes(2)), appHost.Output);
        Assert.Equal(1, appHost.ExitCode);
        Assert.Contains("Profile fp8-h100-guide is refused: nothing was started.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("  - No available memory for the cache blocks", appHost.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Distributed application starting", appHost.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(appHost.EndpointsFile));
    }

    [Fact]
    public async Task AnUnknownProfileExits2()
    {
        await using var appHost = AppHostProcess.Start(["--profile", "nope"]);

        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromMinutes(2)), appHost.Output);
        Assert.Equal(2, appHost.ExitCode);
        Assert.Contains("Unknown profile 'nope'.", appHost.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEndpointsFileNamesEveryResourceAndTheDashboardAndSigtermStopsEverything()
    {
        await using var appHost = AppHostProcess.Start(["--time-scale", "0"]);
        var endpoints = await appHost.WaitUntilReadyAsync(TestApp.Bound);

        Assert.Equal(["apiservice", "cache", "dashboard", "model"], endpoints.Keys.Order(StringComparer.Ordinal));
        Assert.Matches(@"^redis://localhost:\d+$", endpoints["cache"]);
        Assert.Matches(@"^http://localhost:\d+$", endpoints["model"]);
        Assert.Matches(@"^http://localhost:\d+$", endpoints["apiservice"]);
        Assert.Equal($"{appHost.DashboardUrl}/login?t=", endpoints["dashboard"][..^32]);
        Assert.Contains($"Login to the dashboard at {endpoints["dashboard"]}", appHost.Output, StringComparison.Ordinal);
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) })
        {
            using var models = await http.GetAsync(new Uri(endpoints["apiservice"] + "/v1/models"));
            Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        }

        var children = ProcessTree.Descendants(appHost.Id);
        Assert.Contains(children, p => p.Command.Contains("Aspire70B.ApiService", StringComparison.Ordinal));
        Assert.Contains(children, p => p.Command.Contains("redis-server", StringComparison.Ordinal) || p.Command.Contains("garnet", StringComparison.OrdinalIgnoreCase));

        appHost.Signal(ProcessTree.SigTerm);

        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromMinutes(2)), appHost.Output);
        Assert.True(await ProcessTree.AllGoneAsync(children, TimeSpan.FromMinutes(1)), string.Join('\n', ProcessTree.Alive(children)));
        Assert.False(File.Exists(appHost.EndpointsFile));
    }

    [Fact]
    public async Task AnAppHostKilledOutrightLeavesNoResourceProcessBehind()
    {
        await using var appHost = AppHostProcess.Start(["--time-scale", "0"]);
        await appHost.WaitUntilReadyAsync(TestApp.Bound);
        var children = ProcessTree.Descendants(appHost.Id);
        Assert.Contains(children, p => p.Command.Contains("Aspire70B.Simulator", StringComparison.Ordinal));

        appHost.Signal(ProcessTree.SigKill);

        Assert.True(await ProcessTree.AllGoneAsync(children, TimeSpan.FromMinutes(2)), string.Join('\n', ProcessTree.Alive(children)));
    }
}

/// <summary>The built AppHost (<c>dotnet Aspire70B.AppHost.dll</c>) as a real process, with the dashboard on free loopback ports.</summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly DirectoryInfo _directory;

    private AppHostProcess(Process process, DirectoryInfo directory, string dashboardUrl)
    {
        _process = process;
        _directory = directory;
        DashboardUrl = dashboardUrl;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string DashboardUrl { get; }

    public string EndpointsFile => Path.Combine(_directory.FullName, "endpoints.json");

    public string Output => string.Join('\n', _output);

    public int ExitCode => _process.ExitCode;

    public static AppHostProcess Start(IEnumerable<string> args)
    {
        var directory = Directory.CreateTempSubdirectory("aspire70b-apphost-");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        // From the project's folder, as 'dotnet run --project AppHost' runs it (its appsettings.json is read from there).
        var project = Path.Combine(RedisServer.RepositoryRoot(), "AppHost");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = project };
        start.ArgumentList.Add(Path.Combine(project, "bin", configuration, "net10.0", "Aspire70B.AppHost.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--endpoints-file");
        start.ArgumentList.Add(Path.Combine(directory.FullName, "endpoints.json"));
        start.ArgumentList.Add("--data-dir");
        start.ArgumentList.Add(Path.Combine(directory.FullName, "data"));
        // What the http launch profile gives 'dotnet run', on ports of this test's own.
        var dashboard = $"http://localhost:{FreePort()}";
        start.Environment["ASPNETCORE_URLS"] = dashboard;
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
        start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort()}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("ConnectionStrings__cache");
        start.Environment.Remove("ConnectionStrings__batches");
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        return new AppHostProcess(process, directory, dashboard);
    }

    /// <summary>Waits for the endpoints file (written once every resource is healthy) and returns it.</summary>
    public async Task<IReadOnlyDictionary<string, string>> WaitUntilReadyAsync(TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < bound)
        {
            if (File.Exists(EndpointsFile))
            {
                return JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(EndpointsFile))!;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The AppHost exited with {_process.ExitCode}:\n{Output}");
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No endpoints file within {bound}:\n{Output}");
    }

    public async Task<bool> WaitForExitAsync(TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            _process.WaitForExit();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Signal(int signal) => ProcessTree.Kill(_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            var children = ProcessTree.Descendants(_process.Id);
            ProcessTree.Kill(_process.Id, ProcessTree.SigTerm);
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(30)))
            {
                _process.Kill(entireProcessTree: true);
            }

            await ProcessTree.AllGoneAsync(children, TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}

/// <summary>Processes under a pid, read from /proc, and whether they are gone.</summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static partial class ProcessTree
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public sealed record Entry(int Pid, string Command, string StartTime);

    /// <summary>
    /// The processes under <paramref name="root"/>, and under the DCP processes that watch it (DCP detaches from the
    /// AppHost and is told its pid with <c>--monitor</c>).
    /// </summary>
    public static IReadOnlyList<Entry> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                parents[pid] = stat.Parent;
            }
        }

        var found = new List<Entry>();
        var monitors = parents.Keys.Where(pid => Command(pid).Contains($"--monitor {root} ", StringComparison.Ordinal) || Command(pid).EndsWith($"--monitor {root}", StringComparison.Ordinal)).ToList();
        foreach (var monitor in monitors.Where(m => Stat(m) is not null))
        {
            found.Add(new Entry(monitor, Command(monitor), Stat(monitor)!.Value.StartTime));
        }

        var frontier = new Queue<int>([root, .. monitors]);
        while (frontier.Count > 0)
        {
            var parent = frontier.Dequeue();
            foreach (var (pid, _) in parents.Where(p => p.Value == parent))
            {
                if (Stat(pid) is { } stat)
                {
                    found.Add(new Entry(pid, Command(pid), stat.StartTime));
                    frontier.Enqueue(pid);
                }
            }
        }

        return found;
    }

    /// <summary>Those still running (the same process: same pid and start time, not a zombie).</summary>
    public static IReadOnlyList<Entry> Alive(IEnumerable<Entry> entries) =>
        entries.Where(e => Stat(e.Pid) is { State: not 'Z' } stat && stat.StartTime == e.StartTime).ToList();

    public static async Task<bool> AllGoneAsync(IReadOnlyList<Entry> entries, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (Alive(entries).Count > 0)
        {
            if (clock.Elapsed > bound)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    public static void Kill(int pid, int signal) => _ = SendSignal(pid, signal);

    private static (int Parent, char State, string StartTime)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), fields[0][0], fields[19]);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    [global::System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
