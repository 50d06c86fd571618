using System.ComponentModel.DataAnnotations;

namespace Aspire70B.ApiService.Routing;

/// <summary>How a request picks one of several model replicas.</summary>
internal enum RoutingPolicy
{
    /// <summary>Each request to the next replica in turn.</summary>
    RoundRobin,

    /// <summary>The replica with the fewest requests in flight from this gateway plus waiting at the server.</summary>
    LeastLoaded,

    /// <summary>The replica that served the longest prefix of the rendered prompt while it has room, else the least loaded.</summary>
    PrefixAffinity,
}

/// <summary>How the gateway spreads requests over several replicas. Bound from <c>Routing</c>; without replicas it changes nothing.</summary>
internal sealed class RoutingOptions
{
    public const string Section = "Routing";

    /// <summary>
    /// The policy. Default <see cref="RoutingPolicy.PrefixAffinity"/>: chat traffic is multi-turn conversations and shared
    /// system prompts, whose prefixes vLLM's prefix cache serves only on the replica that computed them; without a shared
    /// prefix the policy is <see cref="RoutingPolicy.LeastLoaded"/>.
    /// </summary>
    [EnumDataType(typeof(RoutingPolicy))]
    public RoutingPolicy Policy { get; set; } = RoutingPolicy.PrefixAffinity;

    /// <summary>How often each replica's <c>/metrics</c> is read (Modal replicas are never polled: a poll would keep them awake).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Characters of the rendered prompt per prefix block. vLLM hashes blocks of 16 tokens (about 64 characters); a block a
    /// few times larger keeps the table small and still tells a conversation's turns apart.
    /// </summary>
    [Range(16, 65536)]
    public int PrefixBlockChars { get; set; } = 128;

    /// <summary>Blocks of a prompt considered at most (the rest of a very long prompt is not hashed).</summary>
    [Range(1, 4096)]
    public int PrefixMaxBlocks { get; set; } = 256;

    /// <summary>Blocks remembered over all replicas, least recently used forgotten first.</summary>
    [Range(1024, 16_777_216)]
    public int PrefixMemoryBlocks { get; set; } = 262_144;

    /// <summary>
    /// How many more requests (in flight plus waiting) the affine replica may have than the least loaded one before the
    /// request goes to the least loaded one instead; the prompt's blocks are then remembered for that one too, so a prefix shared by
    /// many conversations (a system prompt) spreads over the replicas instead of piling onto the first that saw it.
    /// </summary>
    [Range(0, 100_000)]
    public int PrefixMaxImbalance { get; set; } = 4;
}
