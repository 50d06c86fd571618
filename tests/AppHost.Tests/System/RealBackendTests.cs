using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire70B.TestSupport;

namespace Aspire70B.AppHost.Tests.System;

/// <summary>
/// The GPU backends end to end, with stand-ins where this machine has nothing: a fake <c>modal</c> CLI and the
/// Simulator answering as a Modal endpoint (proxy auth, cold start); fake <c>nvidia-smi</c> and <c>vllm</c> executables,
/// the latter recording its argv, printing vLLM's start-up log and then running the Simulator where vLLM would serve.
/// </summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class RealBackendTests
{
    private const string Profile = "awq-int4-a100";
    private const string ModalKey = "wk-e2e-key";
    private const string ModalSecret = "ws-e2e-secret";
    private static readonly TimeSpan ReadinessBound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task DeployStoresTheUrlAndTheModalBackendChatsThroughItWithTheProxyToken()
    {
        // Modal's side: the endpoint the deployment would create, holding requests through a 20 s cold start.
        await using var endpoint = await ServiceProcess.StartUntilOutputAsync(
            "Simulator",
            ["--profile", Profile, "--time-scale", "0", "--modal-proxy-key", ModalKey, "--modal-proxy-secret", ModalSecret, "--modal-cold-start", "20"],
            new Dictionary<string, string>(),
            "Now listening on");
        var url = endpoint.BaseAddress.ToString().TrimEnd('/');
        using var fakes = new FakeTools();
        fakes.Add("modal", $"""
            [ "$1" = deploy ] || {'{'} echo "modal: unexpected arguments: $*" >&2; exit 2; {'}'}
            cp "$ASPIRE70B_MODAL_SPEC" "{fakes.PathOf("spec-seen.json")}"
            echo "$2" > "{fakes.PathOf("app-seen.txt")}"
            echo "✓ Created objects."
            echo "└── 🔨 Created web function serve => {url}"
            echo "✓ App deployed in 2.104s! 🎉"
            """);
        var environment = new Dictionary<string, string> { ["PATH"] = fakes.SearchPath, ["ASPIRE70B_CONFIG_DIR"] = fakes.PathOf("config") };

        var deploy = await CliRunner.RunProcessAsync(environment, "deploy", "modal", "--profile", Profile, "--spec", fakes.PathOf("profile.json"));

        Assert.True(deploy.ExitCode == 0, deploy.Out + deploy.Error);
        Assert.Equal(Golden.ModalSpec(Profile), File.ReadAllText(fakes.PathOf("spec-seen.json")));
        Assert.EndsWith("/ModelServer/modal_app.py\n", File.ReadAllText(fakes.PathOf("app-seen.txt")), StringComparison.Ordinal);
        Assert.Contains($"Deployed {Profile} at {url} (saved in {fakes.PathOf("config")}/modal-deployments.json).", deploy.Out, StringComparison.Ordinal);
        Assert.Contains($"dotnet run --project AppHost -- --backend modal --profile {Profile}", deploy.Out, StringComparison.Ordinal);

        environment["MODAL_KEY"] = ModalKey;
        environment["MODAL_SECRET"] = ModalSecret;
        await using var appHost = AppHostProcess.Start(["--backend", "modal", "--profile", Profile], environment);
        var endpoints = await appHost.WaitUntilReadyAsync(ReadinessBound);

        Assert.Equal(url, endpoints["model"]);
        Assert.Contains($"Connecting to model: {url} (Modal ({Profile}))", appHost.Output, StringComparison.Ordinal);
        Assert.Matches(ColdStartProgress(), appHost.Output);

        // The gateway reaches the model only with the token: without Modal-Key/Modal-Secret the endpoint answers 401.
        var (status, body) = await ChatAsync(new Uri(endpoints["apiservice"]));
        Assert.True(status == 200, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("llama-3.1-70b-instruct", json.RootElement.GetProperty("model").GetString());
        Assert.Equal("length", json.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.DoesNotContain(ModalSecret, appHost.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongModalTokenStopsTheStartWithWhatToCheck()
    {
        await using var endpoint = await ServiceProcess.StartUntilOutputAsync(
            "Simulator",
            ["--profile", Profile, "--time-scale", "0", "--modal-proxy-key", ModalKey, "--modal-proxy-secret", ModalSecret],
            new Dictionary<string, string>(),
            "Now listening on");
        using var fakes = new FakeTools();
        var environment = new Dictionary<string, string>
        {
            ["ASPIRE70B_CONFIG_DIR"] = fakes.PathOf("config"),
            ["MODAL_KEY"] = ModalKey,
            ["MODAL_SECRET"] = "ws-not-this-one",
        };

        await using var appHost = AppHostProcess.Start(["--backend", "modal", "--profile", Profile, "--model-endpoint", endpoint.BaseAddress.ToString()], environment);

        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60)), appHost.Output);
        Assert.Equal(1, appHost.ExitCode);
        Assert.Contains("Modal refused the proxy-auth token (401: modal-http: invalid credentials for proxy authorization).", appHost.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("ws-not-this-one", appHost.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutADeploymentOrATokenNothingStartsAndTheFixIsNamed()
    {
        using var fakes = new FakeTools();

        var outcome = await CliRunner.RunProcessAsync(
            new Dictionary<string, string> { ["ASPIRE70B_CONFIG_DIR"] = fakes.PathOf("config"), ["MODAL_KEY"] = "", ["MODAL_SECRET"] = "" },
            "--backend", "modal", "--profile", "fp8-h100");

        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal(
            $"""
            Profile fp8-h100 is refused: nothing was started.
              - No Modal deployment of fp8-h100 is recorded in {fakes.PathOf("config")}/modal-deployments.json. Deploy it first (dotnet run --project AppHost -- deploy modal --profile fp8-h100), or pass its URL with --model-endpoint.
              - --backend modal needs a Modal proxy-auth token (create one at https://modal.com/settings/proxy-auth-tokens): set MODAL_KEY and MODAL_SECRET, or 'dotnet user-secrets set Parameters:modal-key wk-… --project AppHost' and the same for Parameters:modal-secret.

            """,
            outcome.Error.ReplaceLineEndings("\n"));
        Assert.Equal("", outcome.Out);
    }

    [Fact]
    public async Task TheTokenCanComeFromTheAppHostsUserSecrets()
    {
        using var fakes = new FakeTools();
        // Where 'dotnet user-secrets set … --project AppHost' keeps them on Linux and macOS.
        var secrets = Path.Combine(fakes.PathOf("home"), ".microsoft", "usersecrets", "aspire70b-apphost");
        Directory.CreateDirectory(secrets);
        File.WriteAllText(Path.Combine(secrets, "secrets.json"), """{ "Parameters:modal-key": "wk-secret-store", "Parameters:modal-secret": "ws-secret-store" }""");

        var outcome = await CliRunner.RunProcessAsync(
            new Dictionary<string, string> { ["HOME"] = fakes.PathOf("home"), ["ASPIRE70B_CONFIG_DIR"] = fakes.PathOf("config"), ["MODAL_KEY"] = "", ["MODAL_SECRET"] = "" },
            "--backend", "modal", "--profile", "fp8-h100");

        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("No Modal deployment of fp8-h100 is recorded", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("proxy-auth token", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VllmIsStartedWithThePlannersArgvAndItsStartupLogIsFollowed()
    {
        using var fakes = new FakeTools();
        fakes.Add("nvidia-smi", "echo 'NVIDIA A100-SXM4-80GB, 81920 MiB'");
        fakes.Add("vllm", $$"""
            printf '%s\n' "$@" > "{{fakes.PathOf("argv.txt")}}"
            host=; port=
            while [ $# -gt 0 ]; do
              case "$1" in --host) host="$2"; shift ;; --port) port="$2"; shift ;; esac
              shift
            done
            echo "(APIServer pid=$$) INFO 11-22 03:00:01 [api_server.py:1839] vLLM API server version 0.11.0"
            echo "(EngineCore_DP0 pid=$$) INFO 11-22 03:00:09 [gpu_model_runner.py:2602] Starting to load model hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4..."
            sleep 9
            echo "(EngineCore_DP0 pid=$$) INFO 11-22 03:00:53 [gpu_model_runner.py:2653] Model loading took 37.0906 GiB and 43.511220 seconds"
            echo "(EngineCore_DP0 pid=$$) INFO 11-22 03:01:20 [gpu_worker.py:298] Available KV cache memory: 33.61 GiB"
            echo "(EngineCore_DP0 pid=$$) INFO 11-22 03:01:21 [kv_cache_utils.py:1087] GPU KV cache size: 110,112 tokens"
            exec "$FAKE_VLLM_DOTNET" "$FAKE_VLLM_SIMULATOR" --profile {{Profile}} --time-scale 0 --urls "http://$host:$port"
            """);
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = fakes.SearchPath,
            ["FAKE_VLLM_DOTNET"] = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet",
            ["FAKE_VLLM_SIMULATOR"] = SimulatorAssembly(),
        };

        await using var appHost = AppHostProcess.Start(["--backend", "vllm", "--profile", Profile], environment);
        var endpoints = await appHost.WaitUntilReadyAsync(ReadinessBound);

        var port = new Uri(endpoints["model"]).Port;
        var expected = Golden.VllmServeLine(Profile).Replace("--port 8000", $"--port {port}", StringComparison.Ordinal);
        Assert.Equal(expected, "vllm " + string.Join(' ', File.ReadAllLines(fakes.PathOf("argv.txt"))));
        Assert.Contains($"Profile {Profile} (vllm): llama-3.1-70b-instruct · awq-int4 · 1 × A100-80GB", appHost.Output, StringComparison.Ordinal);
        Assert.Matches(WeightsProgress(), appHost.Output);
        Assert.Matches(LoggedAgainstPlan(), appHost.Output);

        var (status, body) = await ChatAsync(new Uri(endpoints["apiservice"]));
        Assert.True(status == 200, body);
    }

    [Fact]
    public async Task VllmIsNotStartedOnTooFewGpus()
    {
        using var fakes = new FakeTools();
        fakes.Add("nvidia-smi", "echo 'NVIDIA A100-SXM4-80GB, 81920 MiB'");
        fakes.Add("vllm", $"touch '{fakes.PathOf("started")}'");

        var outcome = await CliRunner.RunProcessAsync(new Dictionary<string, string> { ["PATH"] = fakes.SearchPath }, "--backend", "vllm", "--profile", "bf16-tp2-a100");

        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("Profile bf16-tp2-a100 needs 2 GPUs (tensor parallelism); this machine has 1 (NVIDIA A100-SXM4-80GB).", outcome.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(fakes.PathOf("started")));
    }

    private static async Task<(int Status, string Body)> ChatAsync(Uri apiService)
    {
        using var http = new HttpClient { BaseAddress = apiService, Timeout = TimeSpan.FromSeconds(30) };
        using var content = new StringContent(
            """{"model":"llama-3.1-70b-instruct","max_tokens":8,"messages":[{"role":"user","content":"Say hello from the GPU."}]}""",
            Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("v1/chat/completions", UriKind.Relative), content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string SimulatorAssembly()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        return Path.Combine(RedisServer.RepositoryRoot(), "Simulator", "bin", configuration, "net10.0", "Aspire70B.Simulator.dll");
    }

    [GeneratedRegex(@"model is still starting \(\d+ s of at most \d+ min\): a Modal container is starting and vLLM loads 37\.1 GiB of weights per GPU")]
    private static partial Regex ColdStartProgress();

    [GeneratedRegex(@"model is still starting \(\d+ s of at most 30 min\): loading weights\n")]
    private static partial Regex WeightsProgress();

    [GeneratedRegex(@"model: vLLM logged weights 37\.09 GiB per GPU \(plan 37\.\d\d\), KV cache memory 33\.61 GiB \(plan \d+\.\d\d\), KV cache 110,112 tokens \(plan 110,112\)\.\n")]
    private static partial Regex LoggedAgainstPlan();

    /// <summary>The golden files Serving's tests pin: the Modal spec and the vLLM argv the planner's profile produces.</summary>
    private static class Golden
    {
        private static string Data(params string[] parts) => Path.Combine([RedisServer.RepositoryRoot(), "tests", "Serving.Tests", "Data", .. parts]);

        public static string ModalSpec(string profile) => File.ReadAllText(Data("modal", profile + ".json"));

        public static string VllmServeLine(string profile)
        {
            var lines = File.ReadAllLines(Data("vllm-launch.golden.txt"));
            return lines[Array.IndexOf(lines, "# " + profile) + 1];
        }
    }
}
