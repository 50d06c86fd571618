using System.CommandLine;
using System.Globalization;
using Aspire70B.AppHost.Model;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.AppHost.Commands;

/// <summary>The root command's own options and action: start the whole system (see <see cref="SystemRunner"/>).</summary>
internal static class RunCommand
{
    public static void Configure(RootCommand root, CliContext context)
    {
        var profile = new Option<string>("--profile") { HelpName = "name", DefaultValueFactory = _ => DeploymentProfiles.Default.Name, Description = "The deployment profile (see 'profiles')." };
        var backend = new Option<ModelBackend>("--backend") { DefaultValueFactory = _ => ModelBackend.Simulator, Description = "The model server: simulator (no GPU), vllm (this machine's GPUs), modal (the endpoint 'deploy modal' stored), external (--model-endpoint)." };
        var endpoint = new Option<string?>("--model-endpoint") { HelpName = "url", Description = "With --backend external: the vLLM-compatible server, e.g. http://gpu-box:8000; with --backend modal: instead of the stored URL." };
        var key = new Option<string?>("--model-key") { HelpName = "key", Description = "The model server's API key (VLLM_API_KEY for vllm and the simulator)." };
        var timeScale = new Option<double>("--time-scale") { HelpName = "f", DefaultValueFactory = _ => 1.0, Description = "With the simulator: multiplies every simulated delay (0 = as fast as possible)." };
        var endpointsFile = new Option<FileInfo?>("--endpoints-file") { HelpName = "path", Description = "Once ready, write a JSON object of resource name → URL here (removed at stop)." };
        var stateFile = new Option<FileInfo?>("--state-file") { HelpName = "path", Description = "Once ready, write each resource's state, endpoint and process id here (removed at stop)." };
        var vllm = new Option<string?>("--vllm") { HelpName = "path", Description = "With --backend vllm: the vllm executable of a Python environment (e.g. .venv/bin/vllm); default: vllm on PATH, else the container." };
        var port = new Option<int?>("--port") { HelpName = "n", Description = "ApiService's port (default: a free one)." };
        var configDir = new Option<DirectoryInfo?>("--config-dir") { HelpName = "path", Description = "With --backend modal: where 'deploy modal' stored the endpoint (default: ASPIRE70B_CONFIG_DIR, else the user's configuration folder)." };
        foreach (var option in new Option[] { profile, backend, endpoint, key, timeScale, vllm, endpointsFile, stateFile, port, configDir })
        {
            root.Options.Add(option);
        }

        root.SetAction(async (parse, cancellationToken) =>
        {
            var request = new RunRequest(
                parse.GetValue(profile)!,
                parse.GetValue(backend),
                parse.GetValue(endpoint),
                parse.GetValue(key),
                parse.GetValue(timeScale),
                parse.GetValue(vllm),
                parse.GetValue(endpointsFile)?.FullName,
                parse.GetValue(stateFile)?.FullName,
                parse.GetValue(port))
            {
                ConfigDirectory = parse.GetValue(configDir)?.FullName,
            };
            if (request.Validate() is { } problem)
            {
                await context.Error.WriteLineAsync(problem);
                return ExitCodes.Usage;
            }

            return await new SystemRunner(context).RunAsync(request, cancellationToken);
        });
    }
}

/// <summary>The root command's options, as given.</summary>
internal sealed record RunRequest(string Profile, ModelBackend Backend, string? ModelEndpoint, string? ModelKey, double TimeScale,
    string? VllmExecutable, string? EndpointsFile, string? StateFile, int? ApiPort)
{
    /// <summary>With <see cref="ModelBackend.Modal"/>: where the deployments file is (null: the default folder).</summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>The model endpoint, when it is an absolute URL.</summary>
    public Uri? ModelEndpointUri => Uri.TryCreate(ModelEndpoint, UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>A usage problem (exit code 2), or null.</summary>
    public string? Validate() => this switch
    {
        { Backend: ModelBackend.External, ModelEndpoint: null } => "--backend external needs --model-endpoint URL.",
        { ModelEndpoint: { } e } when ModelEndpointUri is not { Scheme: "http" or "https" } =>
            $"--model-endpoint must be an absolute http(s) URL, got '{e}'.",
        { ModelEndpoint: not null, Backend: not (ModelBackend.External or ModelBackend.Modal) } => "--model-endpoint goes with --backend external or modal.",
        { ConfigDirectory: not null, Backend: not ModelBackend.Modal } => "--config-dir goes with --backend modal.",
        { VllmExecutable: not null, Backend: not ModelBackend.Vllm } => "--vllm goes with --backend vllm.",
        { TimeScale: < 0 or double.NaN or double.PositiveInfinity } => string.Create(CultureInfo.InvariantCulture, $"--time-scale must be 0 or more, got {TimeScale}."),
        { ApiPort: < 1 or > 65535 } => $"--port must be between 1 and 65535, got {ApiPort}.",
        _ => null,
    };
}
