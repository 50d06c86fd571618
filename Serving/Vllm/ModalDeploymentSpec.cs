using System.Globalization;
using System.Text.Json;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Serving.Vllm;

/// <summary>Choices for a Modal deployment that are not part of the profile.</summary>
/// <param name="ScaledownWindow">How long an idle container stays up (Modal's <c>scaledown_window</c>).</param>
/// <param name="HuggingFaceSecret">The Modal secret holding <c>HF_TOKEN</c>.</param>
/// <param name="AppNamePrefix">Prefix of the Modal app name; the profile name follows.</param>
public sealed record ModalDeploymentOptions(TimeSpan ScaledownWindow, string HuggingFaceSecret = "huggingface-secret", string AppNamePrefix = "aspire70b")
{
    /// <summary>Fifteen minutes idle, the secret <c>huggingface-secret</c>, apps named <c>aspire70b-PROFILE</c>.</summary>
    public static ModalDeploymentOptions Default { get; } = new(TimeSpan.FromMinutes(15));
}

/// <summary>
/// What <c>ModelServer/modal_app.py</c> deploys for a profile, written as JSON by the AppHost: the vLLM command line
/// is built here, in C#, from the same profile the planner checked, and the Python side only runs it. Immutable.
/// </summary>
public sealed record ModalDeploymentSpec
{
    /// <summary>The JSON format's version; the Python side refuses others.</summary>
    public const int FormatVersion = 1;

    /// <summary>The port vLLM listens on inside the container.</summary>
    public const int Port = 8000;

    /// <summary>The Modal app name.</summary>
    public required string AppName { get; init; }

    /// <summary>The deployment profile.</summary>
    public required string Profile { get; init; }

    /// <summary>The model name clients use.</summary>
    public required string ServedModelName { get; init; }

    /// <summary>Modal's GPU string: <c>A100-80GB</c>, <c>H100:2</c>, …</summary>
    public required string Gpu { get; init; }

    /// <summary>The pinned vLLM release installed in the image.</summary>
    public required string VllmVersion { get; init; }

    /// <summary>The full <c>vllm serve …</c> argv.</summary>
    public required IReadOnlyList<string> VllmCommand { get; init; }

    /// <summary>How long Modal waits for vLLM to listen: loading 37–70 GiB of weights takes minutes.</summary>
    public required TimeSpan StartupTimeout { get; init; }

    /// <summary>How long an idle container stays up.</summary>
    public required TimeSpan ScaledownWindow { get; init; }

    /// <summary>Requests one container takes at once (the profile's sequence limit).</summary>
    public required int MaxConcurrentInputs { get; init; }

    /// <summary>The Modal secret with <c>HF_TOKEN</c>.</summary>
    public required string HuggingFaceSecret { get; init; }

    /// <summary>Mount path → Modal volume name, for the Hugging Face and vLLM caches.</summary>
    public required IReadOnlyDictionary<string, string> Volumes { get; init; }

    /// <summary>Builds the spec for <paramref name="profile"/>.</summary>
    /// <exception cref="CatalogueException">Modal does not offer the profile's GPU.</exception>
    public static ModalDeploymentSpec For(DeploymentProfile profile, ModalDeploymentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        options ??= ModalDeploymentOptions.Default;
        var gpuType = profile.Gpu.ModalGpuType ?? throw new CatalogueException(
            $"Modal does not offer {profile.Gpu.Id}. Modal GPUs: {string.Join(", ", GpuCatalog.All.Where(g => g.ModalGpuType is not null).Select(g => g.Id))}.");
        var gpu = profile.GpuCount == 1 ? gpuType : string.Create(CultureInfo.InvariantCulture, $"{gpuType}:{profile.GpuCount}");
        var weightsGiB = new DeploymentPlanner().Plan(profile.ToPlanRequest()).PerGpu.WeightsGiB * profile.GpuCount;
        return new ModalDeploymentSpec
        {
            AppName = $"{options.AppNamePrefix}-{profile.Name}",
            Profile = profile.Name,
            ServedModelName = profile.ServedModelName,
            Gpu = gpu,
            VllmVersion = VllmLaunch.PinnedVersion,
            VllmCommand = VllmLaunch.ServeArguments(profile, new VllmListenOptions("0.0.0.0", Port)),
            // A first start downloads the weights into the volume (~10 s per GiB is a safe rate), later ones load them.
            StartupTimeout = TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(Math.Ceiling(weightsGiB) * 10),
            ScaledownWindow = options.ScaledownWindow,
            MaxConcurrentInputs = profile.ToPlanRequest().EffectiveScheduler.MaxNumSeqs,
            HuggingFaceSecret = options.HuggingFaceSecret,
            Volumes = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["/root/.cache/huggingface"] = $"{options.AppNamePrefix}-hf-cache",
                ["/root/.cache/vllm"] = $"{options.AppNamePrefix}-vllm-cache",
            },
        };
    }

    /// <summary>The JSON <c>modal_app.py</c> reads (snake_case, indented, keys in a fixed order).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteString("app_name", AppName);
            w.WriteString("profile", Profile);
            w.WriteString("served_model_name", ServedModelName);
            w.WriteString("gpu", Gpu);
            w.WriteString("vllm_version", VllmVersion);
            w.WriteStartArray("vllm_command");
            foreach (var arg in VllmCommand)
            {
                w.WriteStringValue(arg);
            }

            w.WriteEndArray();
            w.WriteNumber("port", Port);
            w.WriteNumber("startup_timeout_seconds", (int)StartupTimeout.TotalSeconds);
            w.WriteNumber("scaledown_window_seconds", (int)ScaledownWindow.TotalSeconds);
            w.WriteNumber("max_concurrent_inputs", MaxConcurrentInputs);
            w.WriteString("huggingface_secret", HuggingFaceSecret);
            w.WriteStartObject("volumes");
            foreach (var (path, name) in Volumes)
            {
                w.WriteString(path, name);
            }

            w.WriteEndObject();
            w.WriteBoolean("requires_proxy_auth", true);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
