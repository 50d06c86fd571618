namespace Aspire70B.Batches;

/// <summary>A batch's state and counts, in the OpenAI Batch API's terms.</summary>
/// <param name="Id">The batch id.</param>
/// <param name="Status"><c>in_progress</c>, <c>completed</c>, <c>cancelled</c> (no further items start).</param>
/// <param name="Total">Requests submitted.</param>
/// <param name="Completed">Requests answered successfully.</param>
/// <param name="Failed">Requests that ended in an error.</param>
/// <param name="CreatedAt">Submission time, Unix seconds.</param>
/// <param name="ExpiresAt">When the batch's data is dropped, Unix seconds.</param>
public sealed record BatchStatus(string Id, string Status, int Total, int Completed, int Failed, long CreatedAt, long ExpiresAt)
{
    /// <summary>Who submitted the batch (the API key's name); only they may see it.</summary>
    public string? Owner { get; init; }

    /// <summary>Whether every request has a result.</summary>
    public bool Finished => Completed + Failed >= Total;
}

/// <summary>One request handed to a worker: its batch, its custom_id and body, and the lease that holds it.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="CustomId">The client's id of the request.</param>
/// <param name="Body">The request body (a chat completion request as JSON).</param>
/// <param name="Member">The queue entry, for completion.</param>
public sealed record WorkLease(string BatchId, string CustomId, string Body, string Member);
