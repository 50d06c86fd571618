using System.ComponentModel.DataAnnotations;

namespace Aspire70B.Batches;

/// <summary>The batch queue. Bound from <c>Batches</c>.</summary>
public sealed class BatchQueueOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Batches";

    /// <summary>Prefix of every key.</summary>
    public string KeyPrefix { get; set; } = "aspire70b:batches:";

    /// <summary>How long a worker holds an item before the reaper hands it to another.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a batch's data (requests, results, status) and uploaded files are kept, from their creation. Longer
    /// than the 24-hour completion window, so that the results of a batch that took all of it can still be read.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}
