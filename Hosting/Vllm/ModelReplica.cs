using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace Aspire70B.Hosting.Vllm;

/// <summary>Which tier a replica belongs to, as the gateway reads it from the connection string's <c>Tier</c>.</summary>
public enum ModelReplicaTier
{
    /// <summary>Served whenever it is healthy and has room.</summary>
    Primary,

    /// <summary>Used only when every primary replica is unhealthy or saturated (an elastic tier such as Modal).</summary>
    Overflow,
}

/// <summary>
/// Marks a model as one replica among several behind the gateway: its connection string carries
/// <c>Tier=…;MaxSequences=N</c>, N being the most sequences the replica runs at once (vLLM's <c>max_num_seqs</c>,
/// times the containers an elastic tier may scale to).
/// </summary>
public sealed class ModelReplicaAnnotation(ModelReplicaTier tier, int maxSequences) : IResourceAnnotation
{
    /// <summary>The replica's tier.</summary>
    public ModelReplicaTier Tier { get; } = tier;

    /// <summary>The most concurrent sequences the replica takes.</summary>
    public int MaxSequences { get; } = maxSequences >= 1
        ? maxSequences
        : throw new ArgumentOutOfRangeException(nameof(maxSequences), maxSequences, "A replica takes at least one sequence.");

    /// <summary>The connection string's part: <c>;Tier=Primary;MaxSequences=32</c>.</summary>
    internal string ConnectionStringSuffix => string.Create(CultureInfo.InvariantCulture, $";Tier={Tier};MaxSequences={MaxSequences}");
}
