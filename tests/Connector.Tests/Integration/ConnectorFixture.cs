using System.Globalization;
using System.Text.RegularExpressions;
using Aspire70B.TestSupport;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>
/// The system the connector talks to, as real processes on loopback: the Simulator at time scale 0 with a cache-less
/// gateway in front of it, and a real-time Simulator (the profile's ~40 tok/s) with its own gateway for the tests
/// that need an answer still running. Shared by the integration tests, which run one after another.
/// </summary>
public sealed partial class ConnectorFixture : IAsyncLifetime
{
    public const string Model = SystemProcesses.Model;

    public ServiceProcess Simulator { get; private set; } = null!;

    public ServiceProcess Gateway { get; private set; } = null!;

    public ServiceProcess SlowSimulator { get; private set; } = null!;

    public ServiceProcess SlowGateway { get; private set; } = null!;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        var simulators = await Task.WhenAll(SystemProcesses.StartSimulatorAsync(), SystemProcesses.StartSimulatorAsync(timeScale: "1"));
        Simulator = simulators[0];
        SlowSimulator = simulators[1];
        // Tests that provoke model-server failures must not open the gateway's circuit for the others.
        var noBreaker = new Dictionary<string, string> { ["Backend__BreakerFailureThreshold"] = "1000" };
        var gateways = await Task.WhenAll(SystemProcesses.StartGatewayAsync(Simulator, cache: null, noBreaker), SystemProcesses.StartGatewayAsync(SlowSimulator, cache: null, noBreaker));
        Gateway = gateways[0];
        SlowGateway = gateways[1];
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        foreach (var process in new[] { Gateway, SlowGateway, Simulator, SlowSimulator })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A connector client for <paramref name="gateway"/> (the fast one by default) whose requests carry the
    /// Simulator's scripting <paramref name="headers"/>, added the way any app adds headers: a <see cref="DelegatingHandler"/>.
    /// </summary>
    public IChatClient Client(ServiceProcess? gateway = null, params (string Name, string Value)[] headers) =>
        Aspire70BChatClientFactory.Create(
            new Aspire70BChatClientSettings { Endpoint = (gateway ?? Gateway).BaseAddress },
            new HttpClient(new HeaderHandler(headers) { InnerHandler = new SocketsHttpHandler() }) { Timeout = TimeSpan.FromSeconds(60) });

    public IChatClient Client(params (string Name, string Value)[] headers) => Client(null, headers);

    /// <summary>Requests the Simulator has finished with the given reason (<c>abort</c>, <c>stop</c>, …), from its /metrics.</summary>
    public async Task<double> SimulatorFinishedAsync(ServiceProcess simulator, string reason)
    {
        var text = await _http.GetStringAsync(new Uri(simulator.BaseAddress, "metrics"));
        return SuccessLine().Matches(text)
            .Where(m => m.Groups["reason"].Value == reason)
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("""^vllm:request_success_total\{[^}]*finished_reason="(?<reason>[a-z]+)"[^}]*\} (?<value>[0-9.e+]+)$""", RegexOptions.Multiline)]
    private static partial Regex SuccessLine();
}

/// <summary>Adds fixed headers to every request: how a caller puts the Simulator's test hooks on the wire.</summary>
public sealed class HeaderHandler((string Name, string Value)[] headers) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

[CollectionDefinition(Name)]
public sealed class ConnectorTests : ICollectionFixture<ConnectorFixture>
{
    public const string Name = "connector";
}
