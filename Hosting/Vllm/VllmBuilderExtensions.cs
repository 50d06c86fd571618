using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Aspire70B.Hosting.Vllm;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// Adds vLLM-compatible model servers to an Aspire application, each with a model resource on top:
/// <c>builder.AddVllm("vllm", profile).AddModel("model")</c>, then <c>WithReference(model).WaitFor(model)</c>.
/// </summary>
public static class VllmBuilderExtensions
{
    /// <summary>The name of the HTTP endpoint of a server this application runs.</summary>
    public const string HttpEndpointName = "http";

    /// <summary>The named volume that keeps the Hugging Face cache (downloaded weights) between container runs.</summary>
    public const string HuggingFaceVolume = "aspire70b-huggingface";

    /// <summary>
    /// <c>vllm serve</c> for <paramref name="profile"/>, as a process: <paramref name="vllmExecutable"/>, else <c>vllm</c> on
    /// PATH, else a <c>.venv</c> beside the AppHost created with <c>python3 -m venv</c> and
    /// <c>pip install vllm==</c><see cref="VllmLaunch.PinnedVersion"/> (shown as resources of their own).
    /// </summary>
    public static IResourceBuilder<VllmServerResource> AddVllm(this IDistributedApplicationBuilder builder, string name, DeploymentProfile profile,
        string? vllmExecutable = null, DeploymentPlan? plan = null) => builder.AddVllm(name, profile, vllmExecutable, plan, FindOnPath);

    internal static IResourceBuilder<VllmServerResource> AddVllm(this IDistributedApplicationBuilder builder, string name, DeploymentProfile profile,
        string? vllmExecutable, DeploymentPlan? plan, Func<string, string?> findOnPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(profile);
        var venv = Path.Combine(builder.AppHostDirectory, ".venv");
        var command = vllmExecutable ?? findOnPath("vllm");
        var steps = new List<IResource>();
        IResourceBuilder<ExecutableResource>? install = null;
        if (command is null)
        {
            command = Path.Combine(venv, "bin", "vllm");
            if (!File.Exists(command))
            {
                var create = builder.AddExecutable($"{name}-venv", "python3", builder.AppHostDirectory, "-m", "venv", venv);
                install = builder.AddExecutable($"{name}-install", Path.Combine(venv, "bin", "pip"), builder.AppHostDirectory,
                        "install", $"vllm=={VllmLaunch.PinnedVersion}")
                    .WaitForCompletion(create);
                steps.Add(create.Resource);
                steps.Add(install.Resource);
            }
        }

        var server = new VllmServerResource(name, command, builder.AppHostDirectory) { EnvironmentSteps = steps };
        var resource = builder.AddResource(server)
            .WithHttpEndpoint(name: HttpEndpointName)
            .WithArgs(context =>
            {
                // vllm serve MODEL … --host 127.0.0.1 --port P: the port is the endpoint's, known once it is allocated.
                var argv = VllmLaunch.ServeArguments(profile, new VllmListenOptions("127.0.0.1", 1)).Skip(1).ToList();
                for (var i = 0; i < argv.Count; i++)
                {
                    if (i > 0 && argv[i - 1] == "--port")
                    {
                        context.Args.Add(server.GetEndpoint(HttpEndpointName).Property(EndpointProperty.TargetPort));
                    }
                    else
                    {
                        context.Args.Add(argv[i]);
                    }
                }
            })
            .WithAnnotation(new VllmServerAnnotation(VllmServerKind.Local, profile, plan ?? Plan(profile),
                ReferenceExpression.Create($"{server.GetEndpoint(HttpEndpointName).Property(EndpointProperty.Url)}")));
        foreach (var step in steps)
        {
            builder.CreateResourceBuilder(step).WithParentRelationship(server);
        }

        if (install is not null)
        {
            resource.WaitForCompletion(install);
        }

        return resource.WithHuggingFaceToken();
    }

    /// <summary>
    /// Runs the server as the pinned <c>vllm/vllm-openai</c> container instead: every GPU (<c>--gpus all</c>),
    /// <c>--ipc=host</c> for PyTorch's shared memory, and <see cref="HuggingFaceVolume"/> for the downloaded weights.
    /// </summary>
    public static IResourceBuilder<VllmContainerResource> RunAsContainer(this IResourceBuilder<VllmServerResource> builder, string volumeName = HuggingFaceVolume)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.ApplicationBuilder;
        var executable = builder.Resource;
        var info = executable.Annotations.OfType<VllmServerAnnotation>().Single();
        app.Resources.Remove(executable);
        foreach (var step in executable.EnvironmentSteps)
        {
            app.Resources.Remove(step);
        }

        var container = new VllmContainerResource(executable.Name);
        var profile = info.Profile;
        var (image, tag) = (VllmLaunch.DockerImage[..VllmLaunch.DockerImage.LastIndexOf(':')], VllmLaunch.DockerImage[(VllmLaunch.DockerImage.LastIndexOf(':') + 1)..]);
        var resource = app.AddResource(container)
            .WithImage(image, tag)
            .WithHttpEndpoint(name: HttpEndpointName, targetPort: ContainerPort)
            .WithArgs(["--model", profile.HuggingFaceRepo, .. VllmLaunch.EngineArguments(profile.ToPlanRequest(), profile.ServedModelName),
                "--host", "0.0.0.0", "--port", ContainerPort.ToString(CultureInfo.InvariantCulture)])
            .WithContainerRuntimeArgs("--runtime", "nvidia", "--gpus", Gpus(info.GpuDevices), "--ipc=host")
            .WithVolume(volumeName, "/root/.cache/huggingface")
            .WithAnnotation(new VllmServerAnnotation(VllmServerKind.Container, profile, info.Plan,
                ReferenceExpression.Create($"{container.GetEndpoint(HttpEndpointName).Property(EndpointProperty.Url)}"))
            {
                StartupTimeout = info.StartupTimeout,
                GpuDevices = info.GpuDevices,
            })
            .WithHuggingFaceToken();
        // The key given to the process (WithApiKey before this) is the container's too.
        return info.ApiKey is { } key ? resource.WithApiKey(app.CreateResourceBuilder(key)) : resource;
    }

    // Docker's --gpus takes a CSV field: a device list with commas must be quoted inside the value.
    private static string Gpus(IReadOnlyList<int> devices) => devices.Count == 0 ? "all" : $"\"device={VllmReplicaExtensions.DeviceList(devices)}\"";

    /// <summary>The port vLLM listens on inside its container.</summary>
    public const int ContainerPort = 8000;

    /// <summary>
    /// The vLLM simulator (the <typeparamref name="TProject"/> project) emulating <paramref name="profile"/>: the same HTTP
    /// surface, latency and KV capacity from the plan, no GPU. <paramref name="timeScale"/> multiplies every simulated delay.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddVllmSimulator<TProject>(this IDistributedApplicationBuilder builder, string name,
        DeploymentProfile profile, double timeScale = 1.0)
        where TProject : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(profile);
        var simulator = builder.AddProject<TProject>(name, launchProfileName: null)
            .WithHttpEndpoint(name: HttpEndpointName)
            .WithEnvironment("Simulator__Profile", profile.Name)
            .WithEnvironment("Simulator__TimeScale", timeScale.ToString("R", CultureInfo.InvariantCulture));
        var endpoint = simulator.GetEndpoint(HttpEndpointName);
        return simulator.WithAnnotation(new VllmServerAnnotation(VllmServerKind.Simulator, profile, Plan(profile),
            ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.Url)}")) { StartupTimeout = TimeSpan.FromMinutes(5) });
    }

    /// <summary>
    /// vLLM on Modal, deployed with <c>aspire70b deploy modal</c>: no process here. The endpoint is
    /// <paramref name="endpoint"/>, else the one <c>deploy modal</c> stored for the profile; the proxy-auth token comes from
    /// the secret parameters <c>modal-key</c> and <c>modal-secret</c> (user secrets or <c>Parameters__modal-key</c>).
    /// </summary>
    public static IResourceBuilder<RemoteVllmResource> AddModalVllm(this IDistributedApplicationBuilder builder, string name, DeploymentProfile profile,
        Uri? endpoint = null, string? configDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(profile);
        var deployments = ModalDeployments.Open(configDirectory);
        endpoint ??= deployments.Find(profile.Name) ?? throw new InvalidOperationException(
            $"No Modal deployment of {profile.Name} is recorded in {deployments.FilePath}. Deploy it first "
            + $"(aspire70b deploy modal --profile {profile.Name}), or give its URL.");
        var key = builder.AddParameter("modal-key", secret: true);
        var secret = builder.AddParameter("modal-secret", secret: true);
        var startup = ModalDeploymentSpec.For(profile).StartupTimeout + TimeSpan.FromMinutes(5);
        return builder.AddRemote(name, endpoint, "Modal", new VllmServerAnnotation(VllmServerKind.Modal, profile, Plan(profile), ReferenceExpression.Create($"{Trimmed(endpoint)}"))
        {
            ModalToken = (key.Resource, secret.Resource),
            StartupTimeout = startup,
        });
    }

    /// <summary>A vLLM-compatible server that runs elsewhere, serving <paramref name="profile"/>, with an optional API key.</summary>
    public static IResourceBuilder<RemoteVllmResource> AddExternalVllm(this IDistributedApplicationBuilder builder, string name, DeploymentProfile profile,
        Uri endpoint, IResourceBuilder<ParameterResource>? key = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(endpoint);
        return builder.AddRemote(name, endpoint, "ExternalService", new VllmServerAnnotation(VllmServerKind.External, profile, Plan(profile), ReferenceExpression.Create($"{Trimmed(endpoint)}"))
        {
            ApiKey = key?.Resource,
        });
    }

    /// <summary>The server's API key (<c>VLLM_API_KEY</c>): the server requires it, and the model's connection string carries it.</summary>
    public static IResourceBuilder<T> WithApiKey<T>(this IResourceBuilder<T> builder, IResourceBuilder<ParameterResource> key)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(key);
        builder.Resource.Annotations.OfType<VllmServerAnnotation>().Single().ApiKey = key.Resource;
        return builder.WithEnvironment("VLLM_API_KEY", key);
    }

    /// <summary>
    /// The model the server serves, as a resource of its own (a child of the server in the dashboard) whose connection
    /// string is <c>Endpoint=…;Model=…</c>, which is healthy once the model answers, which shows the server's start-up stage
    /// as its state, and which has the commands "Show plan", "Warm up" and "Show load".
    /// </summary>
    public static IResourceBuilder<VllmModelResource> AddModel<T>(this IResourceBuilder<T> server, string name)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(server);
        var info = server.Resource.Annotations.OfType<VllmServerAnnotation>().SingleOrDefault()
            ?? throw new InvalidOperationException($"{server.Resource.Name} is not a vLLM server (add it with AddVllm, AddVllmSimulator, AddModalVllm or AddExternalVllm).");
        var app = server.ApplicationBuilder;
        var model = new VllmModelResource(name, server.Resource, info);
        var healthKey = $"{name}_model_check";
        app.Services.AddHttpClient(HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);
        app.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey,
            sp => new VllmModelHealthCheck(model, sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName)), failureStatus: null, tags: null));
        var resource = app.AddResource(model)
            .WithParentRelationship(server.Resource)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "VllmModel",
                State = KnownResourceStates.NotStarted,
                Properties =
                [
                    new(CustomResourceKnownProperties.Source, info.Profile.HuggingFaceRepo),
                    new("vllm.profile", info.Profile.Name),
                    new("vllm.served_model_name", info.Profile.ServedModelName),
                    new("vllm.server", info.Kind.ToString()),
                    .. info.GpuDevices.Count > 0 ? [new ResourcePropertySnapshot("vllm.gpus", VllmReplicaExtensions.DeviceList(info.GpuDevices))] : Array.Empty<ResourcePropertySnapshot>(),
                ],
            })
            .WithHealthCheck(healthKey)
            .OnInitializeResource((resource, e, ct) =>
            {
                var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
                var startup = new VllmModelStartup(resource, e.Notifications, e.Services.GetRequiredService<ResourceLoggerService>(),
                    e.Services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), e.Services.GetService<TimeProvider>() ?? TimeProvider.System);
                _ = Task.Run(() => startup.RunAsync(stopping), CancellationToken.None);
                return Task.CompletedTask;
            });
        return resource
            .WithCommand("show-plan", "Show plan", context => VllmModelCommands.ShowPlan(model, context),
                new CommandOptions { Description = "Write the GPU-memory plan of the profile to this resource's log.", IconName = "DocumentText" })
            .WithCommand("warm-up", "Warm up", context => VllmModelCommands.WarmUpAsync(model, context), new CommandOptions
            {
                Description = "Send a one-token completion and log how long it took.",
                IconName = "Fire",
                UpdateState = context => context.ResourceSnapshot.HealthStatus == HealthStatus.Healthy ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            })
            .WithCommand("show-load", "Show load", context => VllmModelCommands.ShowLoadAsync(model, context), new CommandOptions
            {
                Description = "Read the server's /metrics once and log its running and waiting requests, KV-cache usage and prefix-cache hit rate.",
                IconName = "DataUsage",
                UpdateState = context => context.ResourceSnapshot.HealthStatus == HealthStatus.Healthy ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });
    }

    internal const string HttpClientName = "aspire70b-vllm";

    private static IResourceBuilder<RemoteVllmResource> AddRemote(this IDistributedApplicationBuilder builder, string name, Uri endpoint, string type, VllmServerAnnotation info)
    {
        var url = Trimmed(endpoint);
        return builder.AddResource(new RemoteVllmResource(name, endpoint))
            .WithAnnotation(info)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = type,
                State = new(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                Urls = [new UrlSnapshot(Name: "endpoint", Url: url, IsInternal: false)],
                Properties = [new(CustomResourceKnownProperties.Source, url), new("vllm.profile", info.Profile.Name)],
            });
    }

    private static IResourceBuilder<T> WithHuggingFaceToken<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithEnvironment
    {
        // Llama 3.1 is gated on the Hub: the token is needed to download the weights the first time. It is the secret
        // parameter hf-token, else HF_TOKEN of the AppHost's environment; with neither (weights already cached, or a
        // public checkpoint) no parameter is added, so nothing waits for a value no one will give.
        var app = builder.ApplicationBuilder;
        var configured = app.Configuration["Parameters:hf-token"] is { Length: > 0 };
        var ambient = Environment.GetEnvironmentVariable("HF_TOKEN");
        if (!configured && string.IsNullOrEmpty(ambient))
        {
            return builder;
        }

        var token = app.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == "hf-token") is { } existing
            ? app.CreateResourceBuilder(existing)
            : configured ? app.AddParameter("hf-token", secret: true) : app.AddParameter("hf-token", () => ambient!, secret: true);
        return builder.WithEnvironment("HF_TOKEN", token);
    }

    private static DeploymentPlan Plan(DeploymentProfile profile) => new DeploymentPlanner().Plan(profile.ToPlanRequest());

    private static string Trimmed(Uri endpoint) => endpoint.ToString().TrimEnd('/');

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
