namespace Aspire70B.ReplicaBench;

/// <summary>What the run measures and how long; every phase is bounded, the defaults finish in under 10 minutes.</summary>
internal sealed record ReplicaSettings(
    IReadOnlyList<int> ReplicaCounts,
    IReadOnlyList<string> Policies,
    int Users,
    int Turns,
    TimeSpan Measured,
    TimeSpan WarmUp,
    double TimeScale,
    int MaxTokens,
    bool Failover,
    bool Direct,
    string Profile,
    bool Quick)
{
    /// <summary>The gateway's routing policies (contract of issue 18: <c>Routing:Policy</c>).</summary>
    public static readonly string[] KnownPolicies = ["RoundRobin", "LeastLoaded", "PrefixAffinity"];

    /// <summary>Shared system prompts; user <c>i</c> talks under prompt <c>i mod SystemPrompts</c>.</summary>
    public const int SystemPrompts = 8;

    /// <summary>Characters of each system prompt: about 1,500 tokens with the Simulator's tokenizer.</summary>
    public const int SystemPromptChars = 6_000;

    /// <summary>A streamed chat that takes longer has failed (a queue of 1 replica at 128 users stays far below).</summary>
    public static TimeSpan RequestTimeout => TimeSpan.FromSeconds(120);

    /// <summary>Users in the failover phase: two replicas hold them all, one replica queues some.</summary>
    public int FailoverUsers => Math.Min(Users, 48);

    /// <summary>Failover phase: load before the kill (after the warm-up), and after it.</summary>
    public TimeSpan BeforeKill => Quick ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(10);

    public TimeSpan AfterKill => Quick ? TimeSpan.FromSeconds(8) : TimeSpan.FromSeconds(20);

    public static string ParsePolicy(string name) =>
        KnownPolicies.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown policy '{name}': one of {string.Join(", ", KnownPolicies)}.", nameof(name));
}
