using System.Globalization;

namespace Aspire70B.AppHost;

/// <summary>Which model server the system runs against.</summary>
internal enum ModelBackend
{
    /// <summary>The vLLM simulator (no GPU).</summary>
    Simulator,

    /// <summary>vLLM on this machine's GPUs.</summary>
    Vllm,

    /// <summary>vLLM on Modal, deployed with <c>aspire70b deploy modal</c>.</summary>
    Modal,

    /// <summary>A vLLM-compatible server elsewhere (<c>--model-endpoint</c>).</summary>
    External,
}

/// <summary>An elastic tier beside the local replicas, used when they are saturated or unhealthy.</summary>
internal enum OverflowTier
{
    /// <summary>No overflow tier.</summary>
    None,

    /// <summary>The Modal deployment of the profile (<c>aspire70b deploy modal</c>), which scales its own containers.</summary>
    Modal,
}

/// <summary>
/// The AppHost's options, bound from the section <c>Aspire70B</c>: <c>appsettings.json</c>, environment variables
/// (<c>Aspire70B__Profile</c>) or the command line (<c>--profile</c>, mapped by <see cref="SwitchMappings"/>).
/// </summary>
internal sealed class AppHostOptions
{
    public const string Section = "Aspire70B";

    /// <summary>The command-line options, as today's users type them.</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--profile"] = $"{Section}:Profile",
        ["--backend"] = $"{Section}:Backend",
        ["--model-endpoint"] = $"{Section}:ModelEndpoint",
        ["--model-key"] = $"{Section}:ModelKey",
        ["--time-scale"] = $"{Section}:TimeScale",
        ["--vllm"] = $"{Section}:Vllm",
        ["--container"] = $"{Section}:Container",
        ["--port"] = $"{Section}:Port",
        ["--config-dir"] = $"{Section}:ConfigDir",
        ["--endpoints-file"] = $"{Section}:EndpointsFile",
        ["--data-dir"] = $"{Section}:DataDir",
        ["--nvidia-smi"] = $"{Section}:NvidiaSmi",
        ["--replicas"] = $"{Section}:Replicas",
        ["--overflow"] = $"{Section}:Overflow",
    };

    /// <summary>The most replicas <c>--replicas</c> takes.</summary>
    public const int MaxReplicas = 16;

    public string Profile { get; set; } = "awq-int4-a100";

    public ModelBackend Backend { get; set; } = ModelBackend.Simulator;

    /// <summary>With <see cref="ModelBackend.External"/>: the server; with <see cref="ModelBackend.Modal"/>: instead of the stored URL.</summary>
    public string? ModelEndpoint { get; set; }

    /// <summary><see cref="ModelEndpoint"/> when it is an absolute URL.</summary>
    public Uri? ModelEndpointUri => Uri.TryCreate(ModelEndpoint, UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>The model server's API key (<c>VLLM_API_KEY</c>), for vllm, the simulator and an external server.</summary>
    public string? ModelKey { get; set; }

    /// <summary>With the simulator: multiplies every simulated delay (0 = as fast as possible).</summary>
    public double TimeScale { get; set; } = 1.0;

    /// <summary>With vllm: the <c>vllm</c> of a Python environment.</summary>
    public string? Vllm { get; set; }

    /// <summary>With vllm: run the pinned container instead of a Python environment.</summary>
    public bool Container { get; set; }

    /// <summary>With vllm: the <c>nvidia-smi</c> that reports this machine's GPUs (default: the one on PATH).</summary>
    public string NvidiaSmi { get; set; } = "nvidia-smi";

    /// <summary>How many model servers (simulator or vllm) serve the profile side by side behind the gateway.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>An elastic tier beside the replicas (<c>--overflow modal</c>).</summary>
    public OverflowTier Overflow { get; set; } = OverflowTier.None;

    /// <summary>ApiService's port (default: a free one).</summary>
    public int? Port { get; set; }

    /// <summary>With modal: where <c>deploy modal</c> stored the endpoint.</summary>
    public string? ConfigDir { get; set; }

    /// <summary>Once every resource is healthy, a JSON object of resource name → URL is written here (removed at stop).</summary>
    public string? EndpointsFile { get; set; }

    /// <summary>Where the batch store keeps its data (default: the user's local application data + <c>aspire70b/batches</c>).</summary>
    public string? DataDir { get; set; }

    /// <summary>A usage problem (exit code 2), or null.</summary>
    public string? Validate() => this switch
    {
        { Backend: ModelBackend.External, ModelEndpoint: null } => "--backend external needs --model-endpoint URL.",
        { ModelEndpoint: { } e } when ModelEndpointUri is not { Scheme: "http" or "https" } =>
            $"--model-endpoint must be an absolute http(s) URL, got '{e}'.",
        { ModelEndpoint: not null, Backend: not (ModelBackend.External or ModelBackend.Modal) } => "--model-endpoint goes with --backend external or modal.",
        { ConfigDir: not null, Backend: not ModelBackend.Modal, Overflow: not OverflowTier.Modal } => "--config-dir goes with --backend modal or --overflow modal.",
        { Replicas: < 1 or > MaxReplicas } => $"--replicas must be between 1 and {MaxReplicas}, got {Replicas}.",
        { Replicas: > 1, Backend: not (ModelBackend.Simulator or ModelBackend.Vllm) } =>
            "--replicas goes with --backend simulator or vllm: Modal scales its own containers, and an external server is one endpoint.",
        { Overflow: OverflowTier.Modal, Backend: ModelBackend.Modal } => "--overflow modal adds Modal beside local replicas; with --backend modal the model is on Modal already.",
        { Vllm: not null, Backend: not ModelBackend.Vllm } => "--vllm goes with --backend vllm.",
        { Container: true, Backend: not ModelBackend.Vllm } => "--container goes with --backend vllm.",
        { Container: true, Vllm: not null } => "--container and --vllm are two ways to run vLLM: give one.",
        { TimeScale: < 0 or double.NaN or double.PositiveInfinity } => string.Create(CultureInfo.InvariantCulture, $"--time-scale must be 0 or more, got {TimeScale}."),
        { Port: < 1 or > 65535 } => $"--port must be between 1 and 65535, got {Port}.",
        _ => null,
    };

    /// <summary>The batch store's data folder.</summary>
    public string BatchDataDirectory => DataDir ?? Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "aspire70b", "batches");
}
