using System.Globalization;
using Aspire70B.AppHost.Hosting;
using Aspire70B.AppHost.Modal;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.AppHost.Model;

/// <summary>How the model server runs: the backend, the profile, and the backend's own settings.</summary>
internal sealed record ModelServerSpec(ModelBackend Backend, DeploymentProfile Profile, double TimeScale, Uri? ExternalEndpoint, string? Key, VllmRuntime? Vllm)
{
    /// <summary>The plan checked before start (on this machine's GPUs for vLLM), to compare vLLM's logged figures with.</summary>
    public DeploymentPlan? Plan { get; init; }

    /// <summary>With <see cref="ModelBackend.Modal"/>: the proxy-auth token sent as <c>Modal-Key</c>/<c>Modal-Secret</c>.</summary>
    public ModalCredentials? Modal { get; init; }
}

/// <summary>Where vLLM comes from on a GPU machine: <c>vllm</c> on PATH, or the pinned container.</summary>
internal sealed record VllmRuntime(string? Executable, bool Docker);

/// <summary>
/// Adds the model server. Every backend is given to others the same way, as Aspire's connection string
/// <c>ConnectionStrings__model=Endpoint=…;Model=…[;Key=…][;ModalKey=…;ModalSecret=…]</c>, and is ready when its
/// <c>/health</c> answers (through Modal's proxy auth, and with cold-start progress, for Modal).
/// </summary>
internal static class ModelServerResource
{
    public static readonly TimeSpan VllmStartupTimeout = TimeSpan.FromMinutes(30);

    public static ResourceBuilder AddModelServer(this DistributedApplicationBuilder builder, string name, ModelServerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(spec);
        var profile = spec.Profile;
        ResourceBuilder model;
        Uri endpoint;
        if (spec.Backend == ModelBackend.Modal)
        {
            return AddModal(builder, name, spec);
        }

        if (spec.Backend == ModelBackend.External)
        {
            endpoint = spec.ExternalEndpoint ?? throw new InvalidOperationException("--backend external needs --model-endpoint.");
            model = builder.AddExternal(name, "external (--model-endpoint)");
        }
        else
        {
            var port = PortAllocator.FreePort();
            endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            model = spec.Backend == ModelBackend.Simulator
                ? AddSimulator(builder, name, spec, endpoint)
                : AddVllm(builder, name, spec, port);
        }

        model.Resource.Endpoint = endpoint;
        model.Resource.ConnectionString = ConnectionString(endpoint, profile.ServedModelName, spec.Key);
        model.WithHttpHealthCheck("health");
        return model;
    }

    /// <summary><c>Endpoint=http://127.0.0.1:8000;Model=llama-3.1-70b-instruct[;Key=…][;ModalKey=…;ModalSecret=…]</c>.</summary>
    public static string ConnectionString(Uri endpoint, string model, string? key, ModalCredentials? modal = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var value = $"Endpoint={endpoint.ToString().TrimEnd('/')};Model={model}";
        if (key is { Length: > 0 })
        {
            value += $";Key={key}";
        }

        return modal is null ? value : value + $";ModalKey={modal.Key};ModalSecret={modal.Secret}";
    }

    /// <summary>How long to wait for a Modal endpoint: the container's own start-up timeout and a margin for scheduling.</summary>
    public static TimeSpan ModalStartupTimeout(DeploymentProfile profile) =>
        ModalDeploymentSpec.For(profile).StartupTimeout + TimeSpan.FromMinutes(5);

    private static ResourceBuilder AddModal(DistributedApplicationBuilder builder, string name, ModelServerSpec spec)
    {
        var endpoint = spec.ExternalEndpoint ?? throw new InvalidOperationException("--backend modal needs the endpoint 'deploy modal' stored.");
        var credentials = spec.Modal ?? throw new InvalidOperationException("--backend modal needs a Modal proxy-auth token.");
        var model = builder.AddExternal(name, $"Modal ({spec.Profile.Name})");
        model.Resource.Endpoint = endpoint;
        model.Resource.ConnectionString = ConnectionString(endpoint, spec.Profile.ServedModelName, spec.Key, credentials);
        var weights = (spec.Plan ?? new DeploymentPlanner().Plan(spec.Profile.ToPlanRequest())).PerGpu.WeightsGiB;
        var check = new ModalReadinessCheck(new Uri(endpoint, "health"), credentials, weights, spec.Profile.Name);
        model.Resource.Readiness = check;
        model.Resource.Progress = check;
        return model.WithStartupTimeout(ModalStartupTimeout(spec.Profile), TimeSpan.FromSeconds(5));
    }

    private static ResourceBuilder AddSimulator(DistributedApplicationBuilder builder, string name, ModelServerSpec spec, Uri endpoint)
    {
        var simulator = builder.AddProject(name, "Simulator", endpoint.Port);
        simulator.Resource.Source = $"simulator ({spec.Profile.Name}, time scale {spec.TimeScale.ToString("0.###", CultureInfo.InvariantCulture)})";
        simulator
            .WithEnvironment("Simulator__Profile", spec.Profile.Name)
            .WithEnvironment("Simulator__TimeScale", spec.TimeScale.ToString("R", CultureInfo.InvariantCulture));
        if (spec.Key is { Length: > 0 } key)
        {
            simulator.WithEnvironment("VLLM_API_KEY", key);
        }

        return simulator;
    }

    private static ResourceBuilder AddVllm(DistributedApplicationBuilder builder, string name, ModelServerSpec spec, int port)
    {
        var runtime = spec.Vllm ?? throw new InvalidOperationException("--backend vllm needs vllm on PATH or a Docker engine.");
        var listen = new VllmListenOptions("127.0.0.1", port);
        IReadOnlyList<string> argv;
        string source;
        if (runtime.Executable is { } vllm)
        {
            argv = [vllm, .. VllmLaunch.ServeArguments(spec.Profile, listen).Skip(1)];
            source = $"vllm serve ({vllm})";
        }
        else
        {
            var huggingFace = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } home
                ? home
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface");
            argv = VllmLaunch.DockerArguments(spec.Profile, huggingFace, listen);
            source = $"container {VllmLaunch.DockerImage}";
        }

        var resource = builder.AddExecutable(name, new ProcessLaunch(argv[0], [.. argv.Skip(1)]), source)
            .WithStartupTimeout(VllmStartupTimeout, TimeSpan.FromSeconds(5));
        resource.Resource.Progress = new VllmStartupLog(spec.Plan ?? new DeploymentPlanner().Plan(spec.Profile.ToPlanRequest()));
        if (spec.Key is { Length: > 0 } key)
        {
            resource.WithEnvironment("VLLM_API_KEY", key);
        }

        return resource;
    }
}
