using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Chat;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Routing;

/// <summary>
/// The model replicas, from Aspire's connection strings: every <c>ConnectionStrings</c> entry whose key is <c>model</c> or
/// starts with <c>model-</c> is one replica named by its key, in ordinal order of the keys. Each has its own client
/// (sharing the pooled handler), circuit breaker and load. One replica named <c>model</c> is the plain setup. Immutable.
/// </summary>
internal sealed class ModelReplicas
{
    /// <summary>The most replicas one gateway routes over (a set of replicas is a 64-bit mask).</summary>
    public const int MaxReplicas = 64;

    public ModelReplicas(
        IConfiguration configuration,
        GatewayDeployment deployment,
        IHttpClientFactory httpClientFactory,
        IOptions<BackendOptions> options,
        TimeProvider time,
        ILogger<VllmCompletionsClient> clientLogger)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        var connections = Read(configuration);
        var backend = options.Value;
        var replicas = new ModelReplica[connections.Count];
        for (var i = 0; i < replicas.Length; i++)
        {
            var (name, connection) = connections[i];
            var breaker = new CircuitBreaker(backend.BreakerFailureThreshold, backend.BreakerOpenDuration, time);
            // One long-lived client per replica: the factory's pooled handler (PooledConnectionLifetime bounds DNS staleness)
            // without a client and its handler chain being made per request.
            var client = new VllmCompletionsClient(httpClientFactory.CreateClient(nameof(VllmCompletionsClient)), connection, options, breaker, time, clientLogger);
            replicas[i] = new ModelReplica(i, name, connection, connection.Model ?? deployment.ServedModelName,
                connection.MaxSequences ?? deployment.Plan.Scheduler.MaxNumSeqs, breaker, client);
        }

        All = replicas;
        Primary = [.. replicas.Where(r => r.Tier == ReplicaTier.Primary)];
        Overflow = [.. replicas.Where(r => r.Tier == ReplicaTier.Overflow)];
        if (Primary.Length == 0)
        {
            throw new InvalidOperationException("Every model replica is Tier=Overflow: at least one must be Primary.");
        }

        Single = replicas.Length == 1 ? replicas[0] : null;
    }

    public ModelReplica[] All { get; }

    public ModelReplica[] Primary { get; }

    public ModelReplica[] Overflow { get; }

    /// <summary>The only replica, when there is one: then routing is a constant.</summary>
    public ModelReplica? Single { get; }

    /// <summary>The replicas' connection strings by name, in routing order.</summary>
    /// <exception cref="InvalidOperationException">None is configured, there are too many, or one does not parse.</exception>
    public static IReadOnlyList<(string Name, ModelConnection Connection)> Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var found = configuration.GetSection("ConnectionStrings").GetChildren()
            .Where(c => IsReplicaKey(c.Key) && !string.IsNullOrWhiteSpace(c.Value))
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c =>
            {
                try
                {
                    return (c.Key, ModelConnection.Parse(c.Value!));
                }
                catch (FormatException e)
                {
                    throw new InvalidOperationException($"ConnectionStrings:{c.Key}: {e.Message}", e);
                }
            })
            .ToList();
        if (found.Count == 0)
        {
            throw new InvalidOperationException("ConnectionStrings:model is not set: give the model server as 'Endpoint=http://127.0.0.1:8000;Model=…'.");
        }

        if (found.Count > MaxReplicas)
        {
            throw new InvalidOperationException($"{found.Count} model replicas are configured; the gateway routes over {MaxReplicas} at most.");
        }

        return found;
    }

    private static bool IsReplicaKey(string key) =>
        key.Equals("model", StringComparison.OrdinalIgnoreCase) || key.StartsWith("model-", StringComparison.OrdinalIgnoreCase);
}
