namespace Aspire70B.Batches;

/// <summary>
/// The Redis keys of the batch system. Everything lives under one prefix; a batch's keys share its id so that
/// expiry can be set on all of them together.
/// </summary>
internal sealed class BatchKeys(string prefix)
{
    /// <summary>Work items waiting for a worker: a list of <see cref="WorkItem"/> members, pushed left, popped right.</summary>
    public string Pending { get; } = prefix + "queue:pending";

    /// <summary>Work items a worker holds: a list, the atomic destination of the pop.</summary>
    public string Processing { get; } = prefix + "queue:processing";

    /// <summary>Lease deadlines of the items in <see cref="Processing"/>: a sorted set scored by Unix milliseconds.</summary>
    public string Leases { get; } = prefix + "queue:leases";

    /// <summary>A batch's header: status, counts, timestamps (a hash).</summary>
    public string Batch(string batchId) => $"{prefix}batch:{batchId}";

    /// <summary>A batch's requests by custom_id (a hash).</summary>
    public string Requests(string batchId) => $"{prefix}batch:{batchId}:requests";

    /// <summary>A batch's results by custom_id (a hash written with HSETNX: the first result wins).</summary>
    public string Results(string batchId) => $"{prefix}batch:{batchId}:results";

    /// <summary>Each result's outcome, <c>ok</c> or <c>failed</c>, written in the same transaction as the result (a hash).</summary>
    public string Outcomes(string batchId) => $"{prefix}batch:{batchId}:outcomes";

    /// <summary>An owner's batches in creation order (a sorted set scored by a counter, <c>…:seq</c>), for listing.</summary>
    public string OwnerBatches(string owner) => $"{prefix}owner:{owner}:batches";

    /// <summary>An owner's uploaded files in upload order (a sorted set scored by a counter, <c>…:seq</c>), for listing.</summary>
    public string OwnerFiles(string owner) => $"{prefix}owner:{owner}:files";

    /// <summary>An uploaded file's metadata (a hash).</summary>
    public string File(string fileId) => $"{prefix}file:{fileId}";

    /// <summary>An uploaded file's bytes (a string).</summary>
    public string FileContent(string fileId) => $"{prefix}file:{fileId}:content";

    /// <summary>The order custom_ids were submitted in (a list), for output in submission order.</summary>
    public string Order(string batchId) => $"{prefix}batch:{batchId}:order";
}
