using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using Aspire70B.ApiService.Backend;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Routing;

/// <summary>
/// Picks a replica for each request and opens the completion there, failing over to another replica only before the
/// first token: a connection failure, a 5xx or 429, or an open circuit sends the request to the next pick (with no
/// backoff, since another server is asked); the last replica left gets the client's usual retries with backoff, so one
/// replica behaves exactly as the plain single-endpoint gateway. An opened stream is never re-sent.
/// <para>
/// Candidates: primary replicas whose circuit is closed and which have room (in flight + waiting &lt; max sequences);
/// when none has, overflow replicas with room; when none has either, every replica with a closed circuit, least loaded
/// first (vLLM queues the request). A retry goes to the least loaded candidate left. Otherwise the policy decides:
/// round robin over the primaries; least loaded (in flight + polled waiting, then polled running, then KV usage; ties
/// broken in turn); or prefix affinity: the replicas that were sent the longest run of the prompt's leading blocks,
/// least loaded among them, unless that one has more than <see cref="RoutingOptions.PrefixMaxImbalance"/> requests more
/// than the least loaded candidate.
/// </para>
/// <para>
/// The facts behind prefix affinity: vLLM's automatic prefix caching hashes fixed blocks (16 tokens) chained over the
/// prompt, the first salted with the request's cache_salt, so only a replica that computed the same leading blocks can
/// skip their prefill. vLLM production-stack's prefix-aware router keeps a hash trie of 128-character chunks of the
/// prompt and sends a request to the endpoint with the longest match, without knowing what the server evicted (its
/// KV-aware router asks LMCache instead). llm-d's inference scheduler (the gateway-api-inference-extension prefix
/// plugin) cuts the prompt into character blocks hashed in a chain, remembers per server, in a bounded LRU, the blocks it
/// routed there (an estimate, not the server's state), scores servers by the matched share of the prompt, and weighs
/// that score against load scorers (queue depth, KV-cache usage; llm-d's default weighs prefix 2 to load 1): the
/// imbalance bound here plays the load scorers' part.
/// </para>
/// Thread-safe; no lock is held across an await.
/// </summary>
internal sealed partial class ReplicaRouter
{
    private readonly ModelReplicas _replicas;
    private readonly RoutingOptions _options;
    private readonly RoutingTelemetry _telemetry;
    private readonly ILogger<ReplicaRouter> _logger;
    private readonly PrefixAffinityTable? _affinity;
    private readonly string _singleReason;
    private int _turn = -1;
    private int _tie = -1;

    public ReplicaRouter(ModelReplicas replicas, IOptions<RoutingOptions> options, RoutingTelemetry telemetry, ILogger<ReplicaRouter> logger)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(options);
        _replicas = replicas;
        _options = options.Value;
        _telemetry = telemetry;
        _logger = logger;
        // With one replica nothing is hashed or remembered.
        _affinity = _options.Policy == RoutingPolicy.PrefixAffinity && replicas.All.Length > 1 ? new PrefixAffinityTable(_options.PrefixMemoryBlocks) : null;
        _singleReason = _options.Policy == RoutingPolicy.RoundRobin ? RoutingReason.RoundRobin : RoutingReason.LeastLoaded;
    }

    public RoutingPolicy Policy => _options.Policy;

    /// <summary>The model name to put in a request (each replica's own is put in when it differs).</summary>
    public string RequestModel => _replicas.All[0].ModelName;

    /// <summary>The endpoint of the only replica, when there is one (the text_completion span's server from its start).</summary>
    public Uri? FixedEndpoint => _replicas.Single?.Connection.Endpoint;

    /// <summary>The name of the only replica, when there is one.</summary>
    public string? SingleName => _replicas.Single?.Name;

    /// <summary>Sends the request to a replica and waits for its first event; the caller must <see cref="RoutedStream.ReleaseAsync"/> it.</summary>
    /// <exception cref="BackendException">Every replica tried failed before any output.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RoutedStream> OpenAsync(CompletionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_replicas.Single is { } single)
        {
            _telemetry.Routed(single, _singleReason);
            single.Enter();
            try
            {
                return new RoutedStream(await single.Client.OpenAsync(request, cancellationToken).ConfigureAwait(false), single);
            }
            catch
            {
                single.Exit();
                throw;
            }
        }

        var tried = 0UL;
        BackendException? last = null;
        while (true)
        {
            var (replica, reason) = Pick(request, tried, retry: last is not null);
            if (replica is null)
            {
                throw last ?? new BackendException(BackendFailure.Unavailable, "Every model replica is failing; requests are paused briefly (circuit open).");
            }

            tried |= 1UL << replica.Index;
            var othersLeft = AnyOpenable(tried);
            _telemetry.Routed(replica, reason);
            replica.Enter();
            try
            {
                var routed = replica.ModelName == request.Model ? request : request with { Model = replica.ModelName };
                // Another replica left: fail over to it at once rather than back off here.
                var stream = await replica.Client.OpenAsync(routed, othersLeft ? 0 : null, cancellationToken).ConfigureAwait(false);
                return new RoutedStream(stream, replica);
            }
            catch (BackendException e) when (othersLeft && e.IsTransient)
            {
                replica.Exit();
                last = e;
                LogFailover(_logger, replica.Name, e.Message);
                Activity.Current?.AddEvent(new ActivityEvent(RoutingTelemetry.FailoverEvent, tags: new ActivityTagsCollection
                {
                    [RoutingTelemetry.ReplicaAttribute] = replica.Name,
                    ["error.type"] = e.Failure.ToString(),
                }));
            }
            catch
            {
                replica.Exit();
                throw;
            }
        }
    }

    /// <summary>The replica for a request and why, skipping <paramref name="excluded"/>; null when every replica is excluded or its circuit open.</summary>
    internal (ModelReplica? Replica, string Reason) Pick(CompletionRequest request, ulong excluded, bool retry)
    {
        var primary = Candidates(_replicas.Primary, excluded, needRoom: true);
        string reason;
        ModelReplica? chosen;
        if (primary != 0)
        {
            // A retry takes the least loaded of the rest and leaves the policy's state (the turn, the affinity memory) alone.
            (chosen, reason) = retry ? (LeastLoaded(primary), RoutingReason.Retry) : ByPolicy(request, primary);
        }
        else if (Candidates(_replicas.Overflow, excluded, needRoom: true) is var overflow && overflow != 0)
        {
            (chosen, reason) = (LeastLoaded(overflow), RoutingReason.Overflow);
        }
        else if (Candidates(_replicas.All, excluded, needRoom: false) is var any && any != 0)
        {
            // Everything is full: queue where the queue is shortest.
            (chosen, reason) = (LeastLoaded(any), RoutingReason.LeastLoaded);
        }
        else
        {
            return (null, RoutingReason.Retry);
        }

        return (chosen, retry ? RoutingReason.Retry : reason);
    }

    private (ModelReplica Replica, string Reason) ByPolicy(CompletionRequest request, ulong candidates)
    {
        switch (_options.Policy)
        {
            case RoutingPolicy.RoundRobin:
                return (RoundRobin(candidates), RoutingReason.RoundRobin);
            case RoutingPolicy.PrefixAffinity when _affinity is not null:
                return PrefixAffinity(request, candidates);
            default:
                return (LeastLoaded(candidates), RoutingReason.LeastLoaded);
        }
    }

    private (ModelReplica Replica, string Reason) PrefixAffinity(CompletionRequest request, ulong candidates)
    {
        Span<ulong> hashes = stackalloc ulong[_options.PrefixMaxBlocks];
        var count = PromptBlockHasher.Hash(request.Prompt, request.CacheSalt, _options.PrefixBlockChars, hashes);
        hashes = hashes[..count];
        var least = LeastLoaded(candidates);
        var (blocks, holders) = _affinity!.LongestPrefix(hashes, candidates);
        var chosen = least;
        var reason = RoutingReason.LeastLoaded;
        if (blocks > 0)
        {
            var affine = LeastLoaded(holders);
            if (affine.Outstanding - least.Outstanding <= _options.PrefixMaxImbalance)
            {
                (chosen, reason) = (affine, RoutingReason.Affinity);
            }
        }

        _affinity.Remember(hashes, chosen.Index);
        return (chosen, reason);
    }

    /// <summary>The next primary replica in turn that is a candidate.</summary>
    private ModelReplica RoundRobin(ulong candidates)
    {
        var all = _replicas.Primary;
        var start = (int)((uint)Interlocked.Increment(ref _turn) % (uint)all.Length);
        for (var i = 0; i < all.Length; i++)
        {
            var replica = all[(start + i) % all.Length];
            if ((candidates & (1UL << replica.Index)) != 0)
            {
                return replica;
            }
        }

        throw new UnreachableException("A non-empty candidate set has a member.");
    }

    /// <summary>The candidate with the fewest outstanding requests, then the fewest running, then the lowest KV usage; remaining ties in turn.</summary>
    private ModelReplica LeastLoaded(ulong candidates)
    {
        if (BitOperations.PopCount(candidates) == 1)
        {
            return _replicas.All[BitOperations.TrailingZeroCount(candidates)];
        }

        var all = _replicas.All;
        var start = (int)((uint)Interlocked.Increment(ref _tie) % (uint)all.Length);
        ModelReplica? best = null;
        for (var i = 0; i < all.Length; i++)
        {
            var replica = all[(start + i) % all.Length];
            if ((candidates & (1UL << replica.Index)) != 0 && (best is null || Lighter(replica, best)))
            {
                best = replica;
            }
        }

        return best ?? throw new UnreachableException("A non-empty candidate set has a member.");
    }

    private static bool Lighter(ModelReplica a, ModelReplica b)
    {
        if (a.Outstanding != b.Outstanding)
        {
            return a.Outstanding < b.Outstanding;
        }

        var (la, lb) = (a.Load, b.Load);
        var (runningA, runningB) = (la?.Running ?? 0, lb?.Running ?? 0);
        if (runningA != runningB)
        {
            return runningA < runningB;
        }

        return (la?.KvCacheUsage ?? 0) < (lb?.KvCacheUsage ?? 0);
    }

    private static ulong Candidates(ModelReplica[] replicas, ulong excluded, bool needRoom)
    {
        var set = 0UL;
        foreach (var replica in replicas)
        {
            var bit = 1UL << replica.Index;
            if ((excluded & bit) == 0 && !replica.Breaker.IsOpen && (!needRoom || replica.HasRoom))
            {
                set |= bit;
            }
        }

        return set;
    }

    private bool AnyOpenable(ulong excluded) => Candidates(_replicas.Primary, excluded, false) != 0 || Candidates(_replicas.Overflow, excluded, false) != 0;

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Model replica {Replica} failed before any output ({Reason}); trying another replica")]
    private static partial void LogFailover(ILogger logger, string replica, string reason);
}

/// <summary>An open completion stream and the replica it came from, whose in-flight count it holds until released.</summary>
internal readonly record struct RoutedStream(CompletionStream Stream, ModelReplica Replica)
{
    /// <summary>Closes the stream (aborting the request if unfinished) and frees the replica's in-flight slot.</summary>
    public async ValueTask ReleaseAsync()
    {
        try
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Replica.Exit();
        }
    }
}
