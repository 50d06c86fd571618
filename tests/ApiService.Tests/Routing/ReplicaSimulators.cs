using System.Globalization;
using System.Text.RegularExpressions;
using Aspire70B.ApiService.Tests.Infrastructure;
using Aspire70B.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire70B.ApiService.Tests.Routing;

/// <summary>
/// Three real Simulator processes (time scale 0, test scripting and faults on) on loopback, the replicas of the routing
/// tests; each test puts its own in-memory gateway in front of the ones it needs.
/// </summary>
public sealed partial class ReplicaSimulators : IAsyncLifetime
{
    public ServiceProcess[] Simulators { get; private set; } = [];

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync() => Simulators = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SystemProcesses.StartSimulatorAsync()));

    public async Task DisposeAsync()
    {
        Http.Dispose();
        foreach (var simulator in Simulators)
        {
            await simulator.DisposeAsync();
        }
    }

    /// <summary>The connection string of simulator <paramref name="index"/>.</summary>
    public string Replica(int index, string extra = "") => $"Endpoint={Simulators[index].BaseAddress};Model={SystemProcesses.Model}{extra}";

    /// <summary>Requests simulator <paramref name="index"/> has finished (any reason, aborts included), from its /metrics.</summary>
    public async Task<double> FinishedAsync(int index) => Sum(await Http.GetStringAsync(new Uri(Simulators[index].BaseAddress, "metrics")), SuccessLine());

    /// <summary>Prompt tokens simulator <paramref name="index"/> found in its prefix cache, from its /metrics.</summary>
    public async Task<double> PrefixHitsAsync(int index) => Sum(await Http.GetStringAsync(new Uri(Simulators[index].BaseAddress, "metrics")), PrefixHitsLine());

    /// <summary>An in-memory gateway with these replicas (connection-string key → value) and routing settings.</summary>
    public static RoutedGateway Gateway(IDictionary<string, string> replicas, string policy, IDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Gateway:Profile"] = SystemProcesses.Profile,
            ["PromptCache:Enabled"] = "false",
            ["RateLimit:PermitsPerMinute"] = "100000",
            ["RateLimit:Burst"] = "100000",
            ["Routing:Policy"] = policy,
            ["Backend:RetryDelay"] = "00:00:00.050",
            ["Backend:ForwardHeaders:0"] = "X-Sim-Fail-Status",
            ["Backend:ForwardHeaders:1"] = "X-Sim-Fail-After-Tokens",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (name, value) in replicas)
        {
            settings[$"ConnectionStrings:{name}"] = value;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return new RoutedGateway(settings);
    }

    public static string Chat(string content, bool stream = false, int maxTokens = 8, string? system = null) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            model = SystemProcesses.Model,
            messages = system is null
                ? new object[] { new { role = "user", content } }
                : [new { role = "system", content = system }, new { role = "user", content }],
            max_tokens = maxTokens,
            temperature = 0.7,
            stream,
        });

    private static double Sum(string text, Regex line) =>
        line.Matches(text).Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("""^vllm:request_success_total\{[^}]*\} (?<value>[0-9.e+]+)$""", RegexOptions.Multiline)]
    private static partial Regex SuccessLine();

    [GeneratedRegex("""^vllm:prefix_cache_hits_total\{[^}]*\} (?<value>[0-9.e+]+)$""", RegexOptions.Multiline)]
    private static partial Regex PrefixHitsLine();
}

/// <summary>One in-memory gateway in front of some replicas.</summary>
public sealed class RoutedGateway : IAsyncDisposable
{
    private readonly Factory _factory;

    internal RoutedGateway(Dictionary<string, string> settings)
    {
        _factory = new Factory(settings);
        Client = _factory.CreateClient();
        Client.Timeout = TimeSpan.FromSeconds(60);
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Posts a chat; returns the status, the body and the replica header (null when absent).</summary>
    public async Task<(int Status, string Body, string? Replica)> ChatAsync(string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/chat/completions", UriKind.Relative))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Client.SendAsync(request);
        var replica = response.Headers.TryGetValues("x-aspire70b-replica", out var values) ? string.Join(",", values) : null;
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), replica);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }

    private sealed class Factory(Dictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, LoopbackCaller>());
        }
    }
}

/// <summary>
/// Runs alone (after the parallel collections): its in-memory gateways put routing metrics on the gateway's meter,
/// which listeners in other tests observe process-wide by name.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReplicaSimulatorsTests : ICollectionFixture<ReplicaSimulators>
{
    public const string Name = "replica simulators";
}
