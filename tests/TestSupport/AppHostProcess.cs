using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Aspire70B.TestSupport;

/// <summary>The built AppHost (<c>dotnet Aspire70B.AppHost.dll</c>) as a real process, with the dashboard on free loopback ports.</summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AppHostProcess : IAsyncDisposable
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
