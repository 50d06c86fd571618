using Aspire70B.ApiService.Backend;

namespace Aspire70B.ApiService.Routing;

/// <summary>
/// One model endpoint behind the gateway: its connection, its own client and circuit breaker, the requests this gateway
/// has in flight to it, and its load as last polled. Thread-safe.
/// </summary>
internal sealed class ModelReplica(int index, string name, ModelConnection connection, string modelName, int maxSequences, CircuitBreaker breaker, VllmCompletionsClient client)
{
    private int _inFlight;
    private volatile ReplicaLoad? _load;

    /// <summary>The replica's position in <see cref="ModelReplicas.All"/> (its bit in a set of replicas).</summary>
    public int Index { get; } = index;

    /// <summary>The connection string's key: <c>model</c>, <c>model-1</c>, <c>model-modal</c>…</summary>
    public string Name { get; } = name;

    public ModelConnection Connection { get; } = connection;

    /// <summary>The model name sent to this replica (its connection's <c>Model</c>, else the profile's served name).</summary>
    public string ModelName { get; } = modelName;

    public ReplicaTier Tier => Connection.Tier;

    /// <summary>Concurrent sequences the replica runs (vLLM's <c>max_num_seqs</c>).</summary>
    public int MaxSequences { get; } = maxSequences;

    public CircuitBreaker Breaker { get; } = breaker;

    public VllmCompletionsClient Client { get; } = client;

    /// <summary>Requests this gateway has sent and not yet finished reading.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The last polled load, or null while unknown (never polled, the last poll failed, or a Modal replica).</summary>
    public ReplicaLoad? Load
    {
        get => _load;
        set => _load = value;
    }

    /// <summary>What the router compares: this gateway's requests in flight plus those waiting at the server.</summary>
    public int Outstanding => InFlight + (int)(_load?.Waiting ?? 0);

    /// <summary>Whether one more request would still run at once rather than queue (in flight + waiting &lt; max sequences).</summary>
    public bool HasRoom => Outstanding < MaxSequences;

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    public override string ToString() => Name;
}
