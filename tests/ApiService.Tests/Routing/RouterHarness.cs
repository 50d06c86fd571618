using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Chat;
using Aspire70B.ApiService.Routing;
using Aspire70B.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Aspire70B.ApiService.Tests.Routing;

/// <summary>A router over replicas given as connection strings (nothing listens on them), on a clock that moves only when told.</summary>
internal sealed class RouterHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public RouterHarness(RoutingPolicy policy, params (string Name, string Extra)[] replicas)
        : this(new RoutingOptions { Policy = policy }, replicas)
    {
    }

    public RouterHarness(RoutingOptions options, params (string Name, string Extra)[] replicas)
        : this(options, replicas.Select(r => (r.Name, $"Endpoint=http://127.0.0.1:9/;Model={SystemProcesses.Model}{r.Extra}")))
    {
    }

    private RouterHarness(RoutingOptions options, IEnumerable<(string Name, string ConnectionString)> replicas)
    {
        Options = options;
        var settings = replicas.ToDictionary(r => $"ConnectionStrings:{r.Name}", r => (string?)r.ConnectionString);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _services = new ServiceCollection().AddHttpClient().AddMetrics().BuildServiceProvider();
        var backend = Microsoft.Extensions.Options.Options.Create(new BackendOptions { BreakerFailureThreshold = 2, BreakerOpenDuration = TimeSpan.FromSeconds(10) });
        Replicas = new ModelReplicas(configuration, new GatewayDeployment(Microsoft.Extensions.Options.Options.Create(new GatewayOptions { Profile = SystemProcesses.Profile })),
            _services.GetRequiredService<IHttpClientFactory>(), backend, Clock, NullLogger<VllmCompletionsClient>.Instance);
        Router = new ReplicaRouter(Replicas, Microsoft.Extensions.Options.Options.Create(options), new RoutingTelemetry(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Replicas),
            NullLogger<ReplicaRouter>.Instance);
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Replicas given by their whole connection strings.</summary>
    public static RouterHarness WithConnections(RoutingOptions options, params (string Name, string ConnectionString)[] replicas) =>
        new(options, replicas.AsEnumerable());

    public RoutingOptions Options { get; }

    public IHttpClientFactory HttpClientFactory => _services.GetRequiredService<IHttpClientFactory>();

    public ModelReplicas Replicas { get; }

    public ReplicaRouter Router { get; }

    public ModelReplica this[string name] => Replicas.All.Single(r => r.Name == name);

    public static CompletionRequest Request(string prompt, string? salt = "tenant") =>
        new() { Model = SystemProcesses.Model, Prompt = prompt, MaxTokens = 8, CacheSalt = salt };

    /// <summary>The name of the replica picked for <paramref name="prompt"/>, and why.</summary>
    public (string Name, string Reason) Pick(string prompt = "hello", ulong excluded = 0, bool retry = false)
    {
        var (replica, reason) = Router.Pick(Request(prompt), excluded, retry);
        return (replica?.Name ?? "(none)", reason);
    }

    public void Dispose() => _services.Dispose();
}
