using Aspire70B.AppHost.Cache;
using Aspire70B.AppHost.Hosting;
using Aspire70B.AppHost.Modal;
using Aspire70B.AppHost.Model;
using Aspire70B.AppHost.Output;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Microsoft.Extensions.Configuration;

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
        var (modalEndpoint, modal) = (request.ModelEndpointUri, (ModalCredentials?)null);
        if (request.Backend == ModelBackend.Modal && refusals.Count == 0)
        {
            (modalEndpoint, modal, refusals) = ResolveModal(request, profile);
        }

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
            var model = new ModelServerSpec(request.Backend, profile, request.TimeScale, modalEndpoint, request.ModelKey, vllm) { Plan = plan, Modal = modal };
            return await StartAsync(request, model, paths, console, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            console.Info("Stopped before start-up finished.");
            return ExitCodes.Success;
        }
    }

    private async Task<int> StartAsync(RunRequest request, ModelServerSpec model, HostPaths paths, ResourceConsole console, CancellationTokenSource stopping)
    {
        var (profile, plan) = (model.Profile, model.Plan!);
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

        var settings = new SystemSettings(cache, model, request.ApiPort);
        var app = SystemMap.Build(new DistributedApplicationBuilder(paths, console), settings);
        PassThroughEnvironment(app);

        await using var guard = OrphanGuard.TryStart(paths, DistributedApplication.SessionLauncher);
        app.Guard = guard;
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

        if (request.VllmExecutable is { } configured)
        {
            return File.Exists(configured)
                ? (plan, new VllmRuntime(Path.GetFullPath(configured), Docker: false), [])
                : (plan, null, [$"--vllm {configured}: no such file."]);
        }

        if (HostPaths.FindOnPath("vllm") is { } vllm)
        {
            return (plan, new VllmRuntime(vllm, Docker: false), []);
        }

        return HostPaths.FindOnPath("docker") is not null && await DockerProbe.AnswersAsync(cancellationToken)
            ? (plan, new VllmRuntime(null, Docker: true), [])
            : (plan, null, ["Neither 'vllm' is on PATH (or given with --vllm) nor does a Docker engine answer: install vLLM (pip install vllm==0.11.0) or start Docker."]);
    }

    /// <summary>
    /// The Modal endpoint (<c>--model-endpoint</c>, else what <c>deploy modal</c> stored for the profile) and the proxy-auth
    /// token (environment over the AppHost's user secrets), or why the system cannot start against Modal.
    /// </summary>
    private static (Uri? Endpoint, ModalCredentials? Credentials, IReadOnlyList<string> Refusals) ResolveModal(RunRequest request, DeploymentProfile profile)
    {
        var problems = new List<string>();
        var endpoint = request.ModelEndpointUri;
        if (endpoint is null)
        {
            var deployments = ModalDeployments.Open(request.ConfigDirectory);
            try
            {
                endpoint = deployments.Find(profile.Name);
                if (endpoint is null)
                {
                    problems.Add($"No Modal deployment of {profile.Name} is recorded in {deployments.FilePath}. Deploy it first "
                        + $"(dotnet run --project AppHost -- deploy modal --profile {profile.Name}), or pass its URL with --model-endpoint.");
                }
            }
            catch (InvalidOperationException e)
            {
                problems.Add(e.Message);
            }
        }

        var configuration = new ConfigurationBuilder()
            .AddUserSecrets(typeof(SystemRunner).Assembly, optional: true)
            .AddEnvironmentVariables()
            .Build();
        var (credentials, problem) = ModalCredentials.Resolve(configuration);
        if (problem is not null)
        {
            problems.Add(problem);
        }

        return (endpoint, credentials, problems);
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
