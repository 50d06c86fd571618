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

    /// <summary>Containers kept running even when idle (Modal's <c>min_containers</c>); 0 scales to zero.</summary>
    public int MinContainers { get; init; }

    /// <summary>The most containers at once (Modal's <c>max_containers</c>); null for the profile's <see cref="DeploymentProfile.ModalMaxContainers"/>.</summary>
    public int? MaxContainers { get; init; }

    /// <summary>
    /// The GPU type as Modal should be asked for it, when not the catalogue's plain name: <c>H100!</c> (never an
    /// H200) or <c>B200+</c> (a B300 may serve). It must name the profile's card; null for the catalogue's name.
    /// </summary>
    public string? GpuType { get; init; }
}

/// <summary>
/// What <c>ModelServer/modal_app.py</c> deploys for a profile, written as JSON by the AppHost: the vLLM command line
/// is built here, in C#, from the same profile the planner checked, and the Python side only runs it. Immutable.
/// </summary>
public sealed record ModalDeploymentSpec
{
    /// <summary>The JSON format's version; the Python side refuses others (2 added the container bounds).</summary>
    public const int FormatVersion = 2;

    /// <summary>The port vLLM listens on inside the container.</summary>
    public const int Port = 8000;

    /// <summary>The Modal app name.</summary>
    public required string AppName { get; init; }

    /// <summary>The deployment profile.</summary>
    public required string Profile { get; init; }

    /// <summary>The model name clients use.</summary>
    public required string ServedModelName { get; init; }

    /// <summary>Modal's GPU string: <c>A100-80GB</c>, <c>H100:2</c>, <c>H100!</c>, …</summary>
    public string Gpu => ModalGpu.ToString();

    /// <summary>The GPU request, parsed.</summary>
    public required ModalGpu ModalGpu { get; init; }

    /// <summary>The catalogue's card (for its price).</summary>
    public required GpuSpec Card { get; init; }

    /// <summary>The pinned vLLM release installed in the image.</summary>
    public required string VllmVersion { get; init; }

    /// <summary>The full <c>vllm serve …</c> argv.</summary>
    public required IReadOnlyList<string> VllmCommand { get; init; }

    /// <summary>How long Modal waits for vLLM to listen: loading 37–70 GiB of weights takes minutes.</summary>
    public required TimeSpan StartupTimeout { get; init; }

    /// <summary>How long an idle container stays up.</summary>
    public required TimeSpan ScaledownWindow { get; init; }

    /// <summary>Requests one container takes at once (the plan's <c>max_num_seqs</c>: what vLLM runs concurrently).</summary>
    public required int MaxConcurrentInputs { get; init; }

    /// <summary>Containers kept running when idle (Modal's <c>min_containers</c>).</summary>
    public required int MinContainers { get; init; }

    /// <summary>The most containers at once (Modal's <c>max_containers</c>).</summary>
    public required int MaxContainers { get; init; }

    /// <summary>The Modal secret with <c>HF_TOKEN</c>.</summary>
    public required string HuggingFaceSecret { get; init; }

    /// <summary>Mount path → Modal volume name, for the Hugging Face and vLLM caches.</summary>
    public required IReadOnlyDictionary<string, string> Volumes { get; init; }

    /// <summary>Builds the spec for <paramref name="profile"/>.</summary>
    /// <exception cref="CatalogueException">Modal does not offer the profile's GPU, or the options ask for another card or impossible container bounds.</exception>
    public static ModalDeploymentSpec For(DeploymentProfile profile, ModalDeploymentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        options ??= ModalDeploymentOptions.Default;
        var gpuType = profile.Gpu.ModalGpuType ?? throw new CatalogueException(
            $"Modal does not offer {profile.Gpu.Id}. Modal GPUs: {string.Join(", ", GpuCatalog.All.Where(g => g.ModalGpuType is not null).Select(g => g.Id))}.");
        var gpu = ModalGpu.Parse(string.Create(CultureInfo.InvariantCulture, $"{options.GpuType ?? gpuType}:{profile.GpuCount}"));
        if (gpu.BaseType != gpuType)
        {
            throw new CatalogueException($"The GPU type {options.GpuType} is not the profile's {profile.Gpu.Id} (Modal type {gpuType}).");
        }

        var maxContainers = options.MaxContainers ?? profile.ModalMaxContainers;
        if (maxContainers < 1 || options.MinContainers < 0 || options.MinContainers > maxContainers)
        {
            throw new CatalogueException(string.Create(CultureInfo.InvariantCulture,
                $"Modal needs 0 ≤ min_containers ≤ max_containers and max_containers ≥ 1; got min_containers {options.MinContainers}, max_containers {maxContainers}."));
        }

        if (options.ScaledownWindow < TimeSpan.FromSeconds(1))
        {
            throw new CatalogueException("Modal's scaledown_window must be at least one second.");
        }

        var request = profile.ToPlanRequest();
        var weightsGiB = new DeploymentPlanner().Plan(request).PerGpu.WeightsGiB * profile.GpuCount;
        return new ModalDeploymentSpec
        {
            AppName = $"{options.AppNamePrefix}-{profile.Name}",
            Profile = profile.Name,
            ServedModelName = profile.ServedModelName,
            ModalGpu = gpu,
            Card = profile.Gpu,
            VllmVersion = VllmLaunch.PinnedVersion,
            VllmCommand = VllmLaunch.ServeArguments(profile, new VllmListenOptions("0.0.0.0", Port)),
            // A first start downloads the weights into the volume (~10 s per GiB is a safe rate), later ones load them.
            StartupTimeout = TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(Math.Ceiling(weightsGiB) * 10),
            ScaledownWindow = options.ScaledownWindow,
            MaxConcurrentInputs = request.EffectiveScheduler.MaxNumSeqs,
            MinContainers = options.MinContainers,
            MaxContainers = maxContainers,
            HuggingFaceSecret = options.HuggingFaceSecret,
            Volumes = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["/root/.cache/huggingface"] = $"{options.AppNamePrefix}-hf-cache",
                ["/root/.cache/vllm"] = $"{options.AppNamePrefix}-vllm-cache",
            },
        };
    }

    /// <summary>
    /// What the deployment may cost at most, per hour: every GPU of <see cref="MaxContainers"/> containers at
    /// <paramref name="prices"/>' rate; null when the table has no price for the card.
    /// </summary>
    public double? CostCeilingUsdPerHour(GpuPriceTable prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        return prices.Find(Card) is { } price ? price.UsdPerGpuHour * ModalGpu.Count * MaxContainers : null;
    }

    /// <summary>
    /// The scaling bounds and the cost they imply, as <c>deploy modal</c> prints them: the container range, the
    /// per-container concurrency, the idle window, and the hourly ceiling at <see cref="MaxContainers"/> (and the floor
    /// that <see cref="MinContainers"/> keeps paying).
    /// </summary>
    public IReadOnlyList<string> ScalingLines(GpuPriceTable prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(c, $"Scaling: {MinContainers}–{MaxContainers} {Plural(MaxContainers, "container")} of {Gpu} (min_containers {MinContainers}, max_containers {MaxContainers}), {MaxConcurrentInputs} concurrent requests per container (the plan's max_num_seqs); an idle container stops after {(int)ScaledownWindow.TotalSeconds} s (scaledown_window)."),
        };
        var price = prices.Find(Card);
        if (price is null)
        {
            lines.Add($"Cost ceiling: unknown (no price for {Card.Id} in the price table).");
            return lines;
        }

        var perContainer = price.UsdPerGpuHour * ModalGpu.Count;
        var gpus = ModalGpu.Count == 1 ? "" : string.Create(c, $"{ModalGpu.Count} × ");
        lines.Add(string.Create(c,
            $"Cost ceiling: ${perContainer * MaxContainers:0.00}/h with all {MaxContainers} {Plural(MaxContainers, "container")} busy ({gpus}${price.UsdPerGpuHour:0.00}/h per container GPU, {price.Source}); {(MinContainers == 0 ? "$0.00/h when idle (scales to zero)" : $"${perContainer * MinContainers:0.00}/h even when idle (min_containers {MinContainers})")}."));
        return lines;
    }

    private static string Plural(int count, string noun) => count == 1 ? noun : noun + "s";

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
            w.WriteNumber("min_containers", MinContainers);
            w.WriteNumber("max_containers", MaxContainers);
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
