using System.Diagnostics;
using System.Diagnostics.Metrics;
using Aspire70B.ApiService.Telemetry;

namespace Aspire70B.ApiService.Routing;

/// <summary>
/// The routing's telemetry, on the gateway's meter (<see cref="GatewayTelemetry.Name"/>) so the dashboard shows it per
/// replica (<c>aspire70b.replica</c>): routed requests by reason, requests in flight, and each replica's polled
/// running/waiting requests, KV-cache usage and prefix-cache hit rate. The replica that served a call is the span
/// attribute <c>aspire70b.model.replica</c> and the response header <c>x-aspire70b-replica</c>.
/// </summary>
internal sealed class RoutingTelemetry
{
    public const string ReplicaHeader = "x-aspire70b-replica";
    public const string ReplicaAttribute = "aspire70b.model.replica";
    public const string MetricReplicaAttribute = "aspire70b.replica";
    public const string ReasonAttribute = "aspire70b.routing.reason";

    /// <summary>The span event of a request sent on to another replica after one failed before any output.</summary>
    public const string FailoverEvent = "aspire70b.routing.failover";

    private readonly Counter<long> _routed;

    public RoutingTelemetry(IMeterFactory meterFactory, ModelReplicas replicas)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(replicas);
        // The factory hands out the gateway's one meter for this name, so these instruments sit next to the GenAI ones.
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        _routed = meter.CreateCounter<long>("aspire70b.routing.requests", "{request}", "Requests sent to a model replica, by replica and reason");
        meter.CreateObservableGauge("aspire70b.replica.requests.in_flight", () => Each(replicas, r => r.InFlight), "{request}",
            "Requests this gateway has in flight to the replica");
        meter.CreateObservableGauge("aspire70b.replica.requests.running", () => Polled(replicas, l => l.Running), "{request}",
            "Requests running on the replica (vllm:num_requests_running, polled)");
        meter.CreateObservableGauge("aspire70b.replica.requests.waiting", () => Polled(replicas, l => l.Waiting), "{request}",
            "Requests waiting at the replica (vllm:num_requests_waiting, polled)");
        meter.CreateObservableGauge("aspire70b.replica.kv_cache.usage", () => Polled(replicas, l => l.KvCacheUsage), "1",
            "The replica's KV-cache usage, 0 to 1 (vllm:kv_cache_usage_perc, polled)");
        meter.CreateObservableGauge("aspire70b.replica.prefix_cache.hit_rate", () => Polled(replicas, l => l.PrefixCacheHitRate), "1",
            "The replica's prefix-cache hits per queried prompt token since it started (vllm:prefix_cache_hits_total / queries_total, polled)");
    }

    /// <summary>Counts one routing decision.</summary>
    public void Routed(ModelReplica replica, string reason)
    {
        if (_routed.Enabled)
        {
            _routed.Add(1, new KeyValuePair<string, object?>(MetricReplicaAttribute, replica.Name), new KeyValuePair<string, object?>(ReasonAttribute, reason));
        }
    }

    /// <summary>Names the replica on a span; with several replicas also its server, which is known only now.</summary>
    public static void Tag(Activity? activity, ModelReplica replica, bool server)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag(ReplicaAttribute, replica.Name);
        if (server)
        {
            activity.SetTag("server.address", replica.Connection.Endpoint.Host);
            activity.SetTag("server.port", replica.Connection.Endpoint.Port);
        }
    }

    private static IEnumerable<Measurement<int>> Each(ModelReplicas replicas, Func<ModelReplica, int> value) =>
        replicas.All.Select(r => new Measurement<int>(value(r), new KeyValuePair<string, object?>(MetricReplicaAttribute, r.Name)));

    private static IEnumerable<Measurement<double>> Polled(ModelReplicas replicas, Func<ReplicaLoad, double?> value) =>
        replicas.All
            .Select(r => (r.Name, Value: r.Load is { } load ? value(load) : null))
            .Where(m => m.Value is not null)
            .Select(m => new Measurement<double>(m.Value!.Value, new KeyValuePair<string, object?>(MetricReplicaAttribute, m.Name)));
}
