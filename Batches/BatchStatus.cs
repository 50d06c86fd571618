namespace Aspire70B.Batches;

/// <summary>A batch's state and counts, in the OpenAI Batch API's terms.</summary>
/// <param name="Id">The batch id.</param>
/// <param name="Status">
/// <c>in_progress</c>, <c>completed</c>, <c>cancelling</c> (no further items start; some still run),
/// <c>cancelled</c> (none runs any more) or <c>expired</c> (the completion window passed with requests unanswered;
/// those never run).
/// </param>
/// <param name="Total">Requests submitted.</param>
/// <param name="Completed">Requests answered successfully.</param>
/// <param name="Failed">Requests that ended in an error.</param>
/// <param name="CreatedAt">Submission time, Unix seconds.</param>
/// <param name="ExpiresAt">The end of the completion window, Unix seconds: requests not started by then never run.</param>
public sealed record BatchStatus(string Id, string Status, int Total, int Completed, int Failed, long CreatedAt, long ExpiresAt)
{
    /// <summary>Who submitted the batch (the API key's name); only they may see it.</summary>
    public string? Owner { get; init; }

    /// <summary>Whether every request has a result.</summary>
    public bool Finished => Completed + Failed >= Total;

    /// <summary>Requests without a result (yet; for good once the batch is cancelled or expired).</summary>
    public int Unanswered => Math.Max(0, Total - Completed - Failed);

    /// <summary>When the batch's data (requests, results) is dropped, Unix seconds.</summary>
    public long RetainedUntil { get; init; }

    /// <summary>When the batch expired, Unix seconds.</summary>
    public long? ExpiredAt { get; init; }

    /// <summary>The uploaded file the requests came from (OpenAI's Files flow); null for a batch submitted directly.</summary>
    public string? InputFileId { get; init; }

    /// <summary>The client's metadata (a JSON object of strings), as given; null when none.</summary>
    public string? MetadataJson { get; init; }

    /// <summary>When the last result came in, Unix seconds.</summary>
    public long? CompletedAt { get; init; }

    /// <summary>When a cancel was asked for, Unix seconds.</summary>
    public long? CancellingAt { get; init; }

    /// <summary>When the last running item of a cancelled batch ended, Unix seconds.</summary>
    public long? CancelledAt { get; init; }
}

/// <summary>Where a batch's requests came from, for the batch object: an uploaded file and the client's metadata.</summary>
/// <param name="InputFileId">The uploaded file.</param>
/// <param name="MetadataJson">A JSON object of strings, or null.</param>
public sealed record BatchSource(string? InputFileId, string? MetadataJson);

/// <summary>One result line and whether its request succeeded.</summary>
/// <param name="Line">The output line (a JSON object).</param>
/// <param name="Succeeded">True for <c>completed</c>, false for <c>failed</c>.</param>
public sealed record BatchResult(string Line, bool Succeeded);

/// <summary>One request handed to a worker: its batch, its custom_id and body, and the lease that holds it.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="CustomId">The client's id of the request.</param>
/// <param name="Body">The request body (a chat completion request as JSON).</param>
/// <param name="Member">The queue entry, for completion.</param>
public sealed record WorkLease(string BatchId, string CustomId, string Body, string Member);
