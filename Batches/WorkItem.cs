namespace Aspire70B.Batches;

/// <summary>One request of a batch as it travels through the queue: <c>batchId</c> and <c>custom_id</c>.</summary>
internal readonly record struct WorkItem(string BatchId, string CustomId)
{
    // custom_ids are the client's strings; the batch id is ours and never contains the separator.
    private const char Separator = '\u001f';

    public string Encode() => BatchId + Separator + CustomId;

    public static WorkItem Decode(string member)
    {
        var at = member.IndexOf(Separator, StringComparison.Ordinal);
        return at <= 0 ? throw new FormatException($"Not a work item: '{member}'.") : new WorkItem(member[..at], member[(at + 1)..]);
    }
}
