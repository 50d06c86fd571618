using System.Diagnostics;
using System.Runtime.InteropServices;
using Aspire70B.AppHost.Cache;
using Aspire70B.AppHost.Hosting;
using Aspire70B.AppHost.Model;
using Aspire70B.AppHost.Output;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.AppHost.Commands;

/// <summary>
/// Starts the whole system: checks the profile (and, for vLLM, this machine's GPUs) before anything runs, makes sure
/// the services are built, resolves the cache, runs <see cref="SystemMap"/>, and stops everything on Ctrl+C or SIGTERM.
/// </summary>
internal sealed class SystemRunner(CliContext context)
{
    public async Task<int> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        DeploymentProfile profile;
        try
        {
            profile = DeploymentProfiles.Get(request.Profile);
        }
        catch (CatalogueException e)
        {
            await context.Error.WriteLineAsync(e.Message);
            return ExitCodes.Usage;
        }

        var (plan, vllm, refusals) = await PlanAsync(request, profile, cancellationToken);
        if (refusals.Count > 0 || plan is null || !plan.Feasible)
        {
            StartupReport.WriteRefusal(context.Error, profile, plan, refusals);
            return ExitCodes.Failure;
        }

        context.Out.WriteLine(StartupReport.PlanLine(profile, plan, request.Backend));
        HostPaths paths;
        try
        {
            paths = HostPaths.Discover();
        }
        catch (InvalidOperationException e)
        {
            await context.Error.WriteLineAsync(e.Message);
            return ExitCodes.Failure;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = SignalHandlers.Register(stopping);
        var console = new ResourceConsole(context.Out, ResourceConsole.ColorWanted(context.Out));
        try
        {
            return await StartAsync(request, profile, plan, vllm, paths, console, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            console.Info("Stopped before start-up finished.");
            return ExitCodes.Success;
        }
    }

    private async Task<int> StartAsync(RunRequest request, DeploymentProfile profile, DeploymentPlan plan, VllmRuntime? vllm,
        HostPaths paths, ResourceConsole console, CancellationTokenSource stopping)
    {
        if (!await ServiceBuild.EnsureBuiltAsync(paths, ["Simulator", "ApiService", "Worker"], console, stopping.Token))
        {
            return ExitCodes.Failure;
        }

        var cache = await CacheResolver.ResolveAsync(
            new CacheProbes(Environment.GetEnvironmentVariable("ConnectionStrings__cache"), HostPaths.FindOnPath, DockerProbe.AnswersAsync),
            stopping.Token);
        console.Info($"Cache: {cache.Label}. {cache.Reason}");
        if (cache.Source == CacheSource.Garnet && !await ServiceBuild.RestoreToolsAsync(paths, console, stopping.Token))
        {
            return ExitCodes.Failure;
        }

        var settings = new SystemSettings(cache, new ModelServerSpec(request.Backend, profile, request.TimeScale, request.ModelEndpointUri, request.ModelKey, vllm), request.ApiPort);
        var app = SystemMap.Build(new DistributedApplicationBuilder(paths, console), settings);
        PassThroughEnvironment(app);

        var files = new StartupFiles(request.EndpointsFile, request.StateFile);
        try
        {
            return await app.RunAsync(async ready =>
            {
                // The summary first: whoever waits for the files may read the output next.
                StartupReport.WriteSummary(context.Out, ready, profile, plan, request.Backend);
                await context.Out.FlushAsync(stopping.Token);
                await files.WriteAsync(ready, stopping.Token);
            }, stopping.Token);
        }
        finally
        {
            files.Delete();
        }
    }

    /// <summary>The plan for the profile; for vLLM on the GPUs found here, with the runtime that will serve it.</summary>
    private static async Task<(DeploymentPlan? Plan, VllmRuntime? Vllm, IReadOnlyList<string> Refusals)> PlanAsync(
        RunRequest request, DeploymentProfile profile, CancellationToken cancellationToken)
    {
        if (request.Backend != ModelBackend.Vllm)
        {
            return (new DeploymentPlanner().Plan(profile.ToPlanRequest()), null, []);
        }

        var gpus = GpuInventory.Parse(await GpuInventory.QueryAsync(cancellationToken) ?? "");
        var (plan, refusals) = LocalGpuPlan.Check(profile, gpus);
        if (refusals.Count > 0 || plan is not { Feasible: true })
        {
            return (plan, null, refusals);
        }

        if (HostPaths.FindOnPath("vllm") is { } vllm)
        {
            return (plan, new VllmRuntime(vllm, Docker: false), []);
        }

        return HostPaths.FindOnPath("docker") is not null && await DockerProbe.AnswersAsync(cancellationToken)
            ? (plan, new VllmRuntime(null, Docker: true), [])
            : (plan, null, ["Neither 'vllm' is on PATH nor does a Docker engine answer: install vLLM (pip install vllm==0.11.0) or start Docker."]);
    }

    /// <summary>Aspire's run-mode environment, and the OTLP exporter settings of the AppHost's own environment.</summary>
    private static void PassThroughEnvironment(DistributedApplication app)
    {
        app.SharedEnvironment["DOTNET_ENVIRONMENT"] = "Development";
        app.SharedEnvironment["ASPNETCORE_ENVIRONMENT"] = "Development";
        app.SharedEnvironment["Logging__Console__FormatterName"] = "simple";
        app.SharedEnvironment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var name in new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS" })
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                app.SharedEnvironment[name] = value;
            }
        }

        foreach (var resource in app.Resources)
        {
            resource.Environment.TryAdd("OTEL_RESOURCE_ATTRIBUTES", $"service.instance.id={resource.Name}-{Environment.ProcessId}");
        }
    }
}

/// <summary>SIGINT (Ctrl+C), SIGTERM and SIGQUIT cancel the run instead of ending the process, so children are stopped first.</summary>
internal sealed class SignalHandlers : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];

    public static SignalHandlers Register(CancellationTokenSource stopping)
    {
        var handlers = new SignalHandlers();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
        {
            handlers._registrations.Add(PosixSignalRegistration.Create(signal, signalContext =>
            {
                signalContext.Cancel = true;
                stopping.Cancel();
            }));
        }

        return handlers;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}

/// <summary>Builds services that have no build output yet, and restores the repository's dotnet tools (Garnet).</summary>
internal static class ServiceBuild
{
    public static async Task<bool> EnsureBuiltAsync(HostPaths paths, IReadOnlyList<string> projects, ResourceConsole console, CancellationToken cancellationToken)
    {
        var missing = projects.Where(p => !File.Exists(paths.ServiceAssembly(p))).ToList();
        if (missing.Count == 0)
        {
            console.Info($"Services from their build output (bin/{paths.Configuration}/net10.0; 'dotnet run --project AppHost' builds them first).");
            return true;
        }

        foreach (var project in missing)
        {
            console.Info($"Building {project} ({paths.Configuration}): it has no build output yet…");
            if (!await RunAsync(paths, ["build", Path.Combine(paths.RepositoryRoot, project, $"{project}.csproj"), "-c", paths.Configuration, "-nologo", "-v", "q"], console, cancellationToken))
            {
                console.Info($"Building {project} failed; see the output above.");
                return false;
            }
        }

        return true;
    }

    public static async Task<bool> RestoreToolsAsync(HostPaths paths, ResourceConsole console, CancellationToken cancellationToken)
    {
        console.Info("Restoring the repository's dotnet tools (dotnet tool restore) for Garnet…");
        if (await RunAsync(paths, ["tool", "restore"], console, cancellationToken))
        {
            return true;
        }

        console.Info("dotnet tool restore failed; install redis-server, or set ConnectionStrings__cache to a running Redis.");
        return false;
    }

    private static async Task<bool> RunAsync(HostPaths paths, IReadOnlyList<string> arguments, ResourceConsole console, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(paths.Dotnet, arguments)
        {
            WorkingDirectory = paths.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = Pump(process.StandardOutput);
        var error = Pump(process.StandardError);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await Task.WhenAll(output, error);
        return process.ExitCode == 0;

        async Task Pump(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                if (line.Length > 0)
                {
                    console.Line("dotnet", line);
                }
            }
        }
    }
}
