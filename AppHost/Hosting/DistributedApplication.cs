using System.Diagnostics;
using System.Globalization;

namespace Aspire70B.AppHost.Hosting;

/// <summary>
/// Runs the resources: each starts once everything it waits for is ready (independent ones in parallel), gets its
/// environment by Aspire's contract, and is ready when its check passes within its start-up timeout. Once all are
/// ready it reports, then supervises: a resource that exits is reported with its last output and the system stops;
/// cancellation (Ctrl+C, SIGTERM) stops the children in reverse start order. Returns the process exit code.
/// </summary>
internal sealed class DistributedApplication(IReadOnlyList<Resource> resources, HostPaths paths, ResourceConsole console)
{
    public static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReadinessPollInterval = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan MaxProgressInterval = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, ResourceState> _states = resources.ToDictionary(r => r.Name, _ => ResourceState.Waiting, StringComparer.Ordinal);
    private readonly Dictionary<string, SupervisedProcess> _processes = new(StringComparer.Ordinal);
    private readonly List<(Resource Resource, SupervisedProcess Process)> _startOrder = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<Resource> Resources { get; } = resources;

    /// <summary>Told of every child started, to stop them if the AppHost is killed outright; null for none.</summary>
    public OrphanGuard? Guard { get; set; }

    /// <summary><c>setsid</c> when present (Linux): children get their own session, out of reach of the terminal's Ctrl+C.</summary>
    public static readonly string? SessionLauncher = OperatingSystem.IsLinux() ? HostPaths.FindOnPath("setsid") : null;

    /// <summary>Environment every child receives: the OTLP exporter settings of the AppHost's own environment, the run mode.</summary>
    public Dictionary<string, string> SharedEnvironment { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<ResourceSnapshot> Snapshot()
    {
        lock (_gate)
        {
            return [.. Resources.Select(r => new ResourceSnapshot(r.Name, _states[r.Name], r.Endpoint,
                _processes.TryGetValue(r.Name, out var p) ? p.Id : null, r.Source))];
        }
    }

    /// <summary>The environment a resource is started with.</summary>
    public Dictionary<string, string> EnvironmentOf(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var environment = new Dictionary<string, string>(SharedEnvironment, StringComparer.Ordinal);
        foreach (var reference in resource.References)
        {
            if (reference.ConnectionString is { } connectionString)
            {
                environment[$"ConnectionStrings__{reference.Name}"] = connectionString;
            }
            else if (reference.Endpoint is { } endpoint)
            {
                environment[$"services__{reference.Name}__{endpoint.Scheme}__0"] = endpoint.ToString().TrimEnd('/');
            }
        }

        foreach (var (name, reference) in resource.NamedReferences)
        {
            if (reference.ConnectionString is { } connectionString)
            {
                environment[$"ConnectionStrings__{name}"] = connectionString;
            }
        }

        foreach (var (key, value) in resource.Environment)
        {
            environment[key] = value;
        }

        return environment;
    }

    public async Task<int> RunAsync(Func<DistributedApplication, Task> onReady, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(onReady);
        var clock = Stopwatch.StartNew();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var ready = new Dictionary<Resource, Task>();
        foreach (var resource in Resources)
        {
            ready[resource] = StartAsync(resource, [.. resource.WaitsFor.Select(w => ready[w])], failed);
        }

        try
        {
            await Task.WhenAll(ready.Values);
            console.Info(string.Create(CultureInfo.InvariantCulture, $"All resources are ready ({clock.Elapsed.TotalSeconds:0.0} s)."));
            await onReady(this);
            return await SuperviseAsync(stopping);
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            console.Info("Stopping before start-up finished.");
            return 0;
        }
        catch (ResourceFailedException e)
        {
            console.Info(e.Message);
            return 1;
        }
        finally
        {
            await StopAllAsync();
        }
    }

    private async Task StartAsync(Resource resource, Task[] dependencies, CancellationTokenSource failed)
    {
        try
        {
            await Task.WhenAll(dependencies).WaitAsync(failed.Token);
            await StartAndWaitReadyAsync(resource, failed.Token);
            SetState(resource, ResourceState.Running);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            SetState(resource, ResourceState.Failed);
            await failed.CancelAsync();
            if (e is ResourceFailedException)
            {
                throw;
            }

            throw new ResourceFailedException($"{resource.Name} could not start: {e.Message}");
        }
    }

    private async Task StartAndWaitReadyAsync(Resource resource, CancellationToken cancellationToken)
    {
        SetState(resource, ResourceState.Starting);
        SupervisedProcess? process = null;
        if (resource.Launch is { } launch)
        {
            console.Info($"Starting {resource.Name}: {Describe(launch)}");
            process = SupervisedProcess.Start(resource.Name, launch, EnvironmentOf(resource), console, SessionLauncher, resource.Progress);
            Guard?.Watch(process.Id);
            lock (_gate)
            {
                _processes[resource.Name] = process;
                _startOrder.Add((resource, process));
            }
        }
        else
        {
            console.Info($"Connecting to {resource.Name}: {resource.Endpoint?.ToString().TrimEnd('/')} ({resource.Source})");
        }

        var clock = Stopwatch.StartNew();
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = resource.ProgressInterval is { } interval ? ReportProgressAsync(resource, clock, interval, waiting.Token) : Task.CompletedTask;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process is { HasExited: true })
                {
                    await process.Exited;
                    throw new ResourceFailedException(ExitReport(resource, process, "while starting"));
                }

                if (await resource.Readiness.IsReadyAsync(cancellationToken) && process is not { HasExited: true })
                {
                    await waiting.CancelAsync();
                    await progress;
                    console.Info(string.Create(CultureInfo.InvariantCulture, $"{resource.Name} is ready ({clock.Elapsed.TotalSeconds:0.0} s)."));
                    if (resource.Progress?.ReadySummary() is { } summary)
                    {
                        console.Info($"{resource.Name}: {summary}");
                    }

                    return;
                }

                if (clock.Elapsed > resource.StartupTimeout)
                {
                    var where = resource.Progress?.Describe() is { } described ? $"; last seen: {described}" : "";
                    throw new ResourceFailedException(string.Create(CultureInfo.InvariantCulture,
                        $"{resource.Name} was not ready within {resource.StartupTimeout.TotalSeconds:0} s ({DescribeCheck(resource.Readiness)}{where})."));
                }

                await Task.Delay(ReadinessPollInterval, cancellationToken);
            }
        }
        finally
        {
            await waiting.CancelAsync();
            await progress;
        }
    }

    /// <summary>
    /// While a slow resource starts, says how long it has been and where it is: first after <paramref name="first"/>,
    /// then at doubling intervals up to <see cref="MaxProgressInterval"/>, so a ten-minute start is a screenful, not a page.
    /// </summary>
    private async Task ReportProgressAsync(Resource resource, Stopwatch clock, TimeSpan first, CancellationToken cancellationToken)
    {
        var interval = first;
        var due = first;
        try
        {
            while (true)
            {
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                var where = resource.Progress?.Describe() is { } described ? ": " + described : "…";
                console.Info(string.Create(CultureInfo.InvariantCulture,
                    $"{resource.Name} is still starting ({clock.Elapsed.TotalSeconds:0} s of at most {resource.StartupTimeout.TotalMinutes:0} min){where}"));
                interval = interval * 2 < MaxProgressInterval ? interval * 2 : MaxProgressInterval;
                due += interval;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ready, failed or stopping: no more progress lines.
        }
    }

    private async Task<int> SuperviseAsync(CancellationToken stopping)
    {
        List<(Resource Resource, SupervisedProcess Process)> running;
        lock (_gate)
        {
            running = [.. _startOrder];
        }

        var exits = running.Select(async r => { await r.Process.Exited; return r; }).ToList();
        var stopped = Task.Delay(Timeout.Infinite, stopping);
        var first = await Task.WhenAny([stopped, .. exits]);
        if (first == stopped)
        {
            console.Info("Stopping (children in reverse start order)…");
            return 0;
        }

        var (resource, process) = await (Task<(Resource, SupervisedProcess)>)first;
        SetState(resource, ResourceState.Failed);
        console.Info(ExitReport(resource, process, "unexpectedly") + " Stopping the system.");
        return 1;
    }

    private async Task StopAllAsync()
    {
        List<(Resource Resource, SupervisedProcess Process)> started;
        lock (_gate)
        {
            started = [.. _startOrder];
        }

        started.Reverse();
        foreach (var (resource, process) in started)
        {
            if (!process.HasExited)
            {
                console.Info($"Stopping {resource.Name} (pid {process.Id.ToString(CultureInfo.InvariantCulture)}).");
            }

            await process.StopAsync(StopGracePeriod);
            await process.DisposeAsync();
            lock (_gate)
            {
                if (_states[resource.Name] != ResourceState.Failed)
                {
                    _states[resource.Name] = ResourceState.Stopped;
                }
            }
        }

        console.Info("Stopped.");
    }

    private void SetState(Resource resource, ResourceState state)
    {
        lock (_gate)
        {
            _states[resource.Name] = state;
        }
    }

    private static string ExitReport(Resource resource, SupervisedProcess process, string when)
    {
        var tail = process.Tail();
        var lines = tail.Count == 0 ? " It wrote nothing." : " Its last output:" + string.Concat(tail.Select(l => $"\n  | {l}"));
        return string.Create(CultureInfo.InvariantCulture, $"{resource.Name} exited {when} with code {process.ExitCode}.{lines}");
    }

    private string Describe(ProcessLaunch launch) =>
        Serving.Vllm.VllmLaunch.ToShellCommand(new[] { launch.FileName }.Concat(launch.Arguments)
            .Select(a => Path.IsPathRooted(a) && a.StartsWith(paths.RepositoryRoot, StringComparison.Ordinal) ? Path.GetRelativePath(paths.RepositoryRoot, a) : a));

    private static string DescribeCheck(IReadinessCheck check) => check switch
    {
        HttpReadinessCheck http => $"GET {http.Url}",
        RedisPingCheck => "Redis PING",
        _ => "process running",
    };

}

/// <summary>A resource could not be started or stopped running; the message is the report shown to the user.</summary>
internal sealed class ResourceFailedException(string message) : Exception(message);
