using System.ComponentModel.DataAnnotations;

namespace Aspire70B.Worker.BatchProcessing;

/// <summary>How the Worker runs batch items. Bound from <c>BatchWorker</c>.</summary>
public sealed class BatchWorkerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "BatchWorker";

    /// <summary>Items run at once; capped at the deployment's sequence limit (from the gateway's <c>/v1/deployment</c>).</summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = 8;

    /// <summary>Wait between looks at an empty queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Attempts per item for transient failures (connection errors, 429, 5xx).</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First retry delay; later ones double.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
