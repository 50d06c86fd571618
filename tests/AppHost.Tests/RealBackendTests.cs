using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.Hosting.Vllm;
using Aspire70B.Serving.Vllm;
using Aspire70B.TestSupport;

namespace Aspire70B.AppHost.Tests;

/// <summary>
/// The GPU backends end to end with stand-ins where this machine has nothing: fake <c>nvidia-smi</c> and <c>vllm</c>
/// executables (the latter recording its argv, printing vLLM's start-up log and then running the Simulator where vLLM
/// would serve), and the Simulator answering as a Modal endpoint (proxy auth, cold start).
/// </summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RealBackendTests
{
    private const string Profile = "awq-int4-a100";
    private const string ModalKey = "wk-e2e-key";
    private const string ModalSecret = "ws-e2e-secret";

    [Fact]
    public async Task VllmRunsThePlannersArgvAndItsStartupLogBecomesTheModelsStateAndProperties()
    {
        using var fakes = new FakeTools();
        fakes.Add("nvidia-smi", "echo 'NVIDIA A100-SXM4-80GB, 81920 MiB'");
        // The fake waits, after "Starting to load model", until the test has seen the model say so (no clock involved).
        fakes.Add("vllm", $$"""
            printf '%s\n' "$@" > "{{fakes.PathOf("argv.txt")}}"
            host=; port=
            while [ $# -gt 0 ]; do
              case "$1" in --host) host="$2"; shift ;; --port) port="$2"; shift ;; esac
              shift
            done
            echo "(APIServer pid=$$) INFO 11-22 03:00:01 [api_server.py:1839] vLLM API server version 0.11.0"
            echo "(EngineCore_DP0 pid=$$) INFO 11-22 03:00:09 [gpu_model_runner.py:2602] Starting to load model hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4..."
            while [ ! -f "{{fakes.PathOf("loaded")}}" ]; do sleep 0.1; done
            echo "(EngineCore_DP0 pid=$$) INFO 11-22 03:00:53 [gpu_model_runner.py:2653] Model loading took 37.0906 GiB and 43.511220 seconds"
            echo "(EngineCore_DP0 pid=$$) INFO 11-22 03:01:20 [gpu_worker.py:298] Available KV cache memory: 33.61 GiB"
            echo "(EngineCore_DP0 pid=$$) INFO 11-22 03:01:21 [kv_cache_utils.py:1087] GPU KV cache size: 110,112 tokens"
            exec "{{Dotnet()}}" "{{SimulatorAssembly()}}" --profile {{Profile}} --time-scale 0 --urls "http://$host:$port"
            """);

        await using var test = await TestApp.StartAsync(
            ["--backend", "vllm", "--profile", Profile, "--vllm", fakes.PathOf("vllm"), "--nvidia-smi", fakes.PathOf("nvidia-smi")], waitUntilHealthy: false);
        await test.WaitForStateAsync("model", s => s == "Loading weights");
        File.WriteAllText(fakes.PathOf("loaded"), "");
        await test.WaitUntilHealthyAsync();

        var server = test.Resource<VllmServerResource>("vllm");
        // The port is the endpoint's target port, which DCP allocates as it starts the process (the chat below reaches it).
        var argv = File.ReadAllLines(fakes.PathOf("argv.txt"));
        var port = argv[Array.IndexOf(argv, "--port") + 1];
        Assert.Matches(@"^[1-9]\d*$", port);
        var golden = GoldenServeLine(Profile).Replace("--port 8000", $"--port {port}", StringComparison.Ordinal);
        Assert.Equal(golden, "vllm " + string.Join(' ', argv));
        Assert.Equal(fakes.PathOf("vllm"), server.Command);

        var states = test.StatesOf("model");
        Assert.Equal(KnownResourceStates.Running, states[^1]);
        Assert.Contains("Loading weights", states);
        Assert.True(states.ToList().IndexOf("Loading weights") < states.Count - 1);
        var properties = test.Snapshot("model").Properties.ToDictionary(p => p.Name, p => p.Value as string);
        Assert.Matches(@"^37\.09 \(plan 37\.\d\d\)$", properties["vllm.weights_gib_per_gpu"]);
        Assert.Matches(@"^33\.61 \(plan \d+\.\d\d\)$", properties["vllm.kv_cache_gib"]);
        Assert.Equal("110,112 (plan 110,112)", properties["vllm.kv_cache_tokens"]);
        Assert.StartsWith("vLLM logged weights 37.09 GiB per GPU", await test.WaitForLogAsync("model", "vLLM logged weights"), StringComparison.Ordinal);

        using var http = test.ApiService();
        var (status, body) = await ChatAsync(http);
        Assert.True(status == HttpStatusCode.OK, body);
    }

    [Fact]
    public async Task ModalIsReachedThroughTheStoredEndpointWithTheProxyTokenAndShowsItsColdStart()
    {
        // Modal's side: the endpoint the deployment created, holding requests through a cold start.
        await using var endpoint = await ServiceProcess.StartUntilOutputAsync(
            "Simulator",
            ["--profile", Profile, "--time-scale", "0", "--modal-proxy-key", ModalKey, "--modal-proxy-secret", ModalSecret, "--modal-cold-start", "3"],
            new Dictionary<string, string>(),
            "Now listening on");
        using var fakes = new FakeTools();
        var url = new Uri(endpoint.BaseAddress.ToString().TrimEnd('/'));
        ModalDeployments.Open(fakes.PathOf("config")).Save(Profile, url);

        await using var test = await TestApp.StartAsync(
            ["--backend", "modal", "--profile", Profile, "--config-dir", fakes.PathOf("config"),
             "--Parameters:modal-key", ModalKey, "--Parameters:modal-secret", ModalSecret]);

        var model = test.Resource<VllmModelResource>("model");
        Assert.Equal(
            $"Endpoint={url.ToString().TrimEnd('/')};Model=llama-3.1-70b-instruct;ModalKey={{modal-key.value}};ModalSecret={{modal-secret.value}}",
            model.ConnectionStringExpression.ValueExpression);
        Assert.Contains(test.StatesOf("model"), s => s.StartsWith("Cold start: waited 0 min", StringComparison.Ordinal));
        Assert.Equal(KnownResourceStates.Running, test.StatesOf("model")[^1]);
        Assert.Equal("Modal", test.Snapshot("model").Properties.Single(p => p.Name == "vllm.server").Value);

        using var http = test.ApiService();
        var (status, body) = await ChatAsync(http);
        Assert.True(status == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("llama-3.1-70b-instruct", json.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task AWrongModalTokenEndsTheWaitAtOnceWithWhatToFix()
    {
        await using var endpoint = await ServiceProcess.StartUntilOutputAsync(
            "Simulator",
            ["--profile", Profile, "--time-scale", "0", "--modal-proxy-key", ModalKey, "--modal-proxy-secret", ModalSecret],
            new Dictionary<string, string>(),
            "Now listening on");

        await using var test = await TestApp.StartAsync(
            ["--backend", "modal", "--profile", Profile, "--model-endpoint", endpoint.BaseAddress.ToString(),
             "--Parameters:modal-key", ModalKey, "--Parameters:modal-secret", "ws-not-this-one"], waitUntilHealthy: false);

        await test.WaitForStateAsync("model", s => s == KnownResourceStates.FailedToStart);
        var line = await test.WaitForLogAsync("model", "Modal refused the proxy-auth token");
        Assert.StartsWith("Modal refused the proxy-auth token (401). Set the parameters modal-key/modal-secret", line, StringComparison.Ordinal);
        Assert.DoesNotContain("ws-not-this-one", line, StringComparison.Ordinal);
        Assert.NotEqual(KnownResourceStates.Running, test.Snapshot("apiservice").State?.Text);
    }

    private static async Task<(HttpStatusCode Status, string Body)> ChatAsync(HttpClient http)
    {
        using var content = new StringContent(
            """{"model":"llama-3.1-70b-instruct","max_tokens":8,"messages":[{"role":"user","content":"Say hello from the GPU."}]}""",
            Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/v1/chat/completions", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Dotnet() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static string SimulatorAssembly()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        return Path.Combine(RedisServer.RepositoryRoot(), "Simulator", "bin", configuration, "net10.0", "Aspire70B.Simulator.dll");
    }

    private static string GoldenServeLine(string profile)
    {
        var lines = File.ReadAllLines(Path.Combine(RedisServer.RepositoryRoot(), "tests", "Serving.Tests", "Data", "vllm-launch.golden.txt"));
        return lines[Array.IndexOf(lines, "# " + profile) + 1];
    }
}
