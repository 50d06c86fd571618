using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.RegularExpressions;
using Aspire70B.TestSupport;
using OpenAI;
using OpenAI.Chat;

namespace Aspire70B.ApiService.Tests.Integration;

/// <summary>
/// The system under test, as real processes on loopback: redis-server, the Simulator (time scale 0, test scripting
/// and fault injection on), and the gateway in front of both, without API keys. Shared by the integration tests,
/// which run one after another.
/// </summary>
public sealed partial class GatewayFixture : IAsyncLifetime
{
    public const string Model = SystemProcesses.Model;
    public const string Profile = SystemProcesses.Profile;

    public RedisServer Redis { get; private set; } = null!;

    public ServiceProcess Simulator { get; private set; } = null!;

    public ServiceProcess Gateway { get; private set; } = null!;

    /// <summary>A Simulator in real time (time scale 1: the profile's ~40 tok/s) and a cache-less gateway in front of it.</summary>
    public ServiceProcess SlowSimulator { get; private set; } = null!;

    public ServiceProcess SlowGateway { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync(RedisKind.Redis);
        Simulator = await StartSimulatorAsync();
        // Tests that provoke model-server failures must not open the shared gateway's circuit for the others.
        Gateway = await StartGatewayAsync(Simulator, Redis.ConnectionString, new Dictionary<string, string> { ["Backend__BreakerFailureThreshold"] = "1000" });
        SlowSimulator = await StartSimulatorAsync(timeScale: "1");
        SlowGateway = await StartGatewayAsync(SlowSimulator, cache: null);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await SlowGateway.DisposeAsync();
        await SlowSimulator.DisposeAsync();
        await Gateway.DisposeAsync();
        await Simulator.DisposeAsync();
        await Redis.DisposeAsync();
    }

    public static Task<ServiceProcess> StartSimulatorAsync(string timeScale = "0") => SystemProcesses.StartSimulatorAsync(timeScale);

    public static Task<ServiceProcess> StartGatewayAsync(ServiceProcess simulator, string? cache, IDictionary<string, string>? extra = null) =>
        SystemProcesses.StartGatewayAsync(simulator, cache, extra);

    /// <summary>An official OpenAI SDK client pointed at the gateway, adding <paramref name="headers"/> to every request.</summary>
    public ChatClient ChatClient(params (string Name, string Value)[] headers) => ChatClient(Gateway, "unused", headers);

    public static ChatClient ChatClient(ServiceProcess gateway, string apiKey, params (string Name, string Value)[] headers)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1"), NetworkTimeout = TimeSpan.FromSeconds(60) };
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        if (headers.Length > 0)
        {
            options.AddPolicy(new HeaderPolicy(headers), PipelinePosition.PerCall);
        }

        return new ChatClient(Model, new ApiKeyCredential(apiKey), options);
    }

    /// <summary>Requests the Simulator has finished, by reason, from its /metrics.</summary>
    public async Task<Dictionary<string, double>> SimulatorRequestsAsync(ServiceProcess? simulator = null)
    {
        var text = await Http.GetStringAsync(new Uri((simulator ?? Simulator).BaseAddress, "metrics"));
        var counts = new Dictionary<string, double>();
        foreach (Match match in SuccessLine().Matches(text))
        {
            var reason = match.Groups["reason"].Value;
            counts[reason] = counts.GetValueOrDefault(reason) + double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        return counts;
    }

    public async Task<double> SimulatorFinishedAsync(ServiceProcess? simulator = null) => (await SimulatorRequestsAsync(simulator)).Where(c => c.Key != "abort").Sum(c => c.Value);

    /// <summary>Requests the Simulator is generating right now (<c>vllm:num_requests_running</c>).</summary>
    public async Task<double> SimulatorRunningAsync(ServiceProcess simulator)
    {
        var text = await Http.GetStringAsync(new Uri(simulator.BaseAddress, "metrics"));
        return RunningLine().Matches(text).Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; a minute's bound, so a loaded machine only makes it slower.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            await Task.Delay(50, limit.Token);
        }
    }

    [GeneratedRegex("""^vllm:num_requests_running\{[^}]*\} (?<value>[0-9.e+]+)$""", RegexOptions.Multiline)]
    private static partial Regex RunningLine();

    [GeneratedRegex("""^vllm:request_success_total\{[^}]*finished_reason="(?<reason>[a-z]+)"[^}]*\} (?<value>[0-9.e+]+)$""", RegexOptions.Multiline)]
    private static partial Regex SuccessLine();

    private sealed class HeaderPolicy((string Name, string Value)[] headers) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Apply(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Apply(message);
            await ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Apply(PipelineMessage message)
        {
            foreach (var (name, value) in headers)
            {
                message.Request.Headers.Set(name, value);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayTests : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
