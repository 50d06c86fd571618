using StackExchange.Redis;

namespace Aspire70B.Batches;

/// <summary>
/// Batches on plain Redis primitives — lists, hashes, sorted sets and MULTI/EXEC, no Lua and no Streams — so that
/// Redis and Garnet both run it. Delivery is at least once: an item is moved atomically from the pending list to the
/// processing list and leased with a deadline; a worker that dies loses its leases to the reaper, which puts the items
/// back. Results are written with HSETNX, so however often an item runs, the first result is the one visible, and the
/// batch's counts move once per custom_id. Thread-safe; every instance may run in any number of processes.
/// </summary>
public sealed class BatchStore
{
    /// <summary>OpenAI's one completion window: items of a batch not started within it are never run.</summary>
    public static readonly TimeSpan CompletionWindow = TimeSpan.FromHours(24);

    private static readonly RedisValue StatusField = "status";
    private static readonly RedisValue ExpiresField = "expires_at";
    private readonly IDatabase _db;
    private readonly BatchQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly BatchKeys _keys;
    private readonly HashSet<string> _suspectedOrphans = [];
    private readonly Lock _orphanGate = new();

    /// <summary>Creates a queue over <paramref name="db"/>.</summary>
    public BatchStore(IDatabase db, BatchQueueOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _db = db ?? throw new ArgumentNullException(nameof(db));
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _keys = new BatchKeys(options.KeyPrefix);
    }

    internal BatchKeys Keys => _keys;

    /// <summary>Stores a batch and queues its requests, in one transaction.</summary>
    /// <param name="batchId">A new, unique id (it must not contain control characters).</param>
    /// <param name="requests">custom_id → request body, in submission order; custom_ids are unique.</param>
    /// <param name="owner">Who submits it; only they may see it.</param>
    /// <param name="source">The uploaded file and metadata, when the batch was created from a file.</param>
    public async Task<BatchStatus> CreateAsync(string batchId, IReadOnlyList<KeyValuePair<string, string>> requests, string? owner = null, BatchSource? source = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(batchId);
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count() != requests.Count)
        {
            throw new ArgumentException("custom_ids must be unique within a batch.", nameof(requests));
        }

        var now = _time.GetUtcNow();
        var status = new BatchStatus(batchId, "in_progress", requests.Count, 0, 0, now.ToUnixTimeSeconds(), (now + CompletionWindow).ToUnixTimeSeconds())
        {
            RetainedUntil = (now + _options.Retention).ToUnixTimeSeconds(),
            Owner = owner,
            InputFileId = source?.InputFileId,
            MetadataJson = source?.MetadataJson,
        };
        // The listing's order: a counter, not the clock, so two batches created in the same millisecond keep theirs.
        var order = await _db.StringIncrementAsync(_keys.OwnerBatches(owner ?? "") + ":seq").ConfigureAwait(false);
        var tx = _db.CreateTransaction();
        tx.AddCondition(Condition.KeyNotExists(_keys.Batch(batchId)));
        _ = tx.HashSetAsync(_keys.Batch(batchId),
        [
            new HashEntry(StatusField, status.Status),
            new HashEntry("total", status.Total),
            new HashEntry("created_at", status.CreatedAt),
            new HashEntry(ExpiresField, status.ExpiresAt),
            new HashEntry("owner", owner ?? ""),
            new HashEntry("input_file_id", source?.InputFileId ?? ""),
            new HashEntry("metadata", source?.MetadataJson ?? ""),
        ]);
        _ = tx.SortedSetAddAsync(_keys.OwnerBatches(owner ?? ""), batchId, order);
        _ = tx.KeyExpireAsync(_keys.OwnerBatches(owner ?? ""), _options.Retention);
        if (requests.Count > 0)
        {
            _ = tx.HashSetAsync(_keys.Requests(batchId), [.. requests.Select(r => new HashEntry(r.Key, r.Value))]);
            _ = tx.ListRightPushAsync(_keys.Order(batchId), [.. requests.Select(r => (RedisValue)r.Key)]);
            _ = tx.ListLeftPushAsync(_keys.Pending, [.. requests.Select(r => (RedisValue)new WorkItem(batchId, r.Key).Encode())]);
        }

        foreach (var key in BatchDataKeys(batchId))
        {
            _ = tx.KeyExpireAsync(key, _options.Retention);
        }

        if (!await tx.ExecuteAsync().ConfigureAwait(false))
        {
            throw new InvalidOperationException($"A batch with id '{batchId}' exists already.");
        }

        return status;
    }

    /// <summary>
    /// A batch's status, or null when it does not exist (or has expired). The counts are read from the results
    /// themselves, so they are exact whatever happened to the workers.
    /// </summary>
    public async Task<BatchStatus?> GetAsync(string batchId)
    {
        var fields = await _db.HashGetAllAsync(_keys.Batch(batchId)).ConfigureAwait(false);
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => f.Value, StringComparer.Ordinal);
        var outcomes = await _db.HashValuesAsync(_keys.Outcomes(batchId)).ConfigureAwait(false);
        var completed = outcomes.Count(o => o == "ok");
        var createdAt = (long)map["created_at"];
        var status = new BatchStatus(
            batchId,
            (string)map["status"]!,
            (int)map["total"],
            completed,
            outcomes.Length - completed,
            createdAt,
            (long)map["expires_at"])
        {
            RetainedUntil = createdAt + (long)_options.Retention.TotalSeconds,
            Owner = Text(map, "owner"),
            InputFileId = Text(map, "input_file_id"),
            MetadataJson = Text(map, "metadata"),
            CompletedAt = Number(map, "completed_at"),
            CancellingAt = Number(map, "cancelling_at"),
            CancelledAt = Number(map, "cancelled_at"),
            ExpiredAt = Number(map, "expired_at"),
        };
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (status is { Status: "in_progress", Finished: true })
        {
            // The last result is in: mark the batch done (whichever reader sees it first).
            var tx = _db.CreateTransaction();
            tx.AddCondition(Condition.HashEqual(_keys.Batch(batchId), StatusField, "in_progress"));
            _ = tx.HashSetAsync(_keys.Batch(batchId), [new HashEntry(StatusField, "completed"), new HashEntry("completed_at", now)]);
            status = await tx.ExecuteAsync().ConfigureAwait(false) ? status with { Status = "completed", CompletedAt = now } : status;
        }
        else if (status.Status == "in_progress" && now >= status.ExpiresAt)
        {
            // The completion window has passed with requests unanswered: what has not started never will.
            var tx = _db.CreateTransaction();
            tx.AddCondition(Condition.HashEqual(_keys.Batch(batchId), StatusField, "in_progress"));
            _ = tx.HashSetAsync(_keys.Batch(batchId), [new HashEntry(StatusField, "expired"), new HashEntry("expired_at", now)]);
            status = await tx.ExecuteAsync().ConfigureAwait(false) ? status with { Status = "expired", ExpiredAt = now } : status;
        }
        else if (status.Status == "cancelling" && !await AnyHeldAsync(batchId).ConfigureAwait(false))
        {
            // A cancelled batch is cancelled once no item of it runs any more.
            var tx = _db.CreateTransaction();
            tx.AddCondition(Condition.HashEqual(_keys.Batch(batchId), StatusField, "cancelling"));
            _ = tx.HashSetAsync(_keys.Batch(batchId), [new HashEntry(StatusField, "cancelled"), new HashEntry("cancelled_at", now)]);
            status = await tx.ExecuteAsync().ConfigureAwait(false) ? status with { Status = "cancelled", CancelledAt = now } : status;
        }

        return status;
    }

    /// <summary>
    /// An owner's batches, newest first: at most <paramref name="limit"/> after the batch <paramref name="after"/>
    /// (exclusive; from the newest when null), and whether more follow. Batches whose data has expired are skipped.
    /// </summary>
    public async Task<(IReadOnlyList<BatchStatus> Batches, bool HasMore)> ListAsync(string owner, string? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var key = _keys.OwnerBatches(owner);
        long start = 0;
        if (after is not null)
        {
            if (await _db.SortedSetRankAsync(key, after, Order.Descending).ConfigureAwait(false) is not { } rank)
            {
                return ([], false);
            }

            start = rank + 1;
        }

        var batches = new List<BatchStatus>();
        while (batches.Count <= limit)
        {
            var ids = await _db.SortedSetRangeByRankAsync(key, start, start + limit, Order.Descending).ConfigureAwait(false);
            if (ids.Length == 0)
            {
                break;
            }

            start += ids.Length;
            foreach (var id in ids)
            {
                if (await GetAsync(id!).ConfigureAwait(false) is { } status)
                {
                    batches.Add(status);
                }
                else
                {
                    await _db.SortedSetRemoveAsync(key, id).ConfigureAwait(false);
                }
            }
        }

        return batches.Count > limit ? (batches[..limit], true) : (batches, false);
    }

    /// <summary>
    /// Stops a batch: items not yet started are dropped when a worker leases them; running ones finish. The batch is
    /// <c>cancelling</c> while any runs, then <c>cancelled</c> (at once when none does).
    /// </summary>
    /// <returns>The status after cancelling, or null when the batch does not exist.</returns>
    public async Task<BatchStatus?> CancelAsync(string batchId)
    {
        var tx = _db.CreateTransaction();
        tx.AddCondition(Condition.HashEqual(_keys.Batch(batchId), StatusField, "in_progress"));
        _ = tx.HashSetAsync(_keys.Batch(batchId), [new HashEntry(StatusField, "cancelling"), new HashEntry("cancelling_at", _time.GetUtcNow().ToUnixTimeSeconds())]);
        await tx.ExecuteAsync().ConfigureAwait(false);
        return await GetAsync(batchId).ConfigureAwait(false);
    }

    /// <summary>Takes the next item, leasing it for <see cref="BatchQueueOptions.LeaseDuration"/>; null when none waits.</summary>
    public async Task<WorkLease?> LeaseAsync(CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var member = await _db.ListRightPopLeftPushAsync(_keys.Pending, _keys.Processing).ConfigureAwait(false);
            if (member.IsNull)
            {
                return null;
            }

            var deadline = (_time.GetUtcNow() + _options.LeaseDuration).ToUnixTimeMilliseconds();
            await _db.SortedSetAddAsync(_keys.Leases, member, deadline).ConfigureAwait(false);
            var item = WorkItem.Decode(member!);
            var header = await _db.HashGetAsync(_keys.Batch(item.BatchId), [StatusField, ExpiresField]).ConfigureAwait(false);
            var body = await _db.HashGetAsync(_keys.Requests(item.BatchId), item.CustomId).ConfigureAwait(false);
            var inWindow = header[1].TryParse(out long expiresAt) && _time.GetUtcNow().ToUnixTimeSeconds() < expiresAt;
            if (header[0] == "in_progress" && inWindow && !body.IsNull)
            {
                return new WorkLease(item.BatchId, item.CustomId, body!, member!);
            }

            // Cancelled, past its window or its data gone: the item is dropped, not run.
            await ReleaseAsync(member!).ConfigureAwait(false);
            if (header[0] == "in_progress" && !inWindow)
            {
                await GetAsync(item.BatchId).ConfigureAwait(false);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    /// <summary>Extends a lease held by a long-running item.</summary>
    /// <returns>False when the lease was lost (the reaper took the item back).</returns>
    public async Task<bool> RenewAsync(WorkLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var deadline = (_time.GetUtcNow() + _options.LeaseDuration).ToUnixTimeMilliseconds();
        // ZADD XX: only an existing lease is extended; a lease the reaper took stays gone.
        await _db.SortedSetAddAsync(_keys.Leases, lease.Member, deadline, When.Exists).ConfigureAwait(false);
        return (await _db.SortedSetScoreAsync(_keys.Leases, lease.Member).ConfigureAwait(false)) == deadline;
    }

    /// <summary>
    /// Records an item's result line (idempotent: the first result for a custom_id wins) and releases the item.
    /// </summary>
    /// <param name="lease">The item.</param>
    /// <param name="resultLine">The output line, a JSON object.</param>
    /// <param name="succeeded">Whether the request succeeded (counts as completed) or failed.</param>
    /// <returns>True when this call's result is the visible one.</returns>
    public async Task<bool> CompleteAsync(WorkLease lease, string resultLine, bool succeeded)
    {
        ArgumentNullException.ThrowIfNull(lease);
        // One transaction: the result, its outcome and the release happen together or not at all, so a worker
        // killed at any point leaves either nothing (the item runs again) or everything.
        var tx = _db.CreateTransaction();
        var first = tx.HashSetAsync(_keys.Results(lease.BatchId), lease.CustomId, resultLine, When.NotExists);
        _ = tx.HashSetAsync(_keys.Outcomes(lease.BatchId), lease.CustomId, succeeded ? "ok" : "failed", When.NotExists);
        _ = tx.KeyExpireAsync(_keys.Results(lease.BatchId), _options.Retention);
        _ = tx.KeyExpireAsync(_keys.Outcomes(lease.BatchId), _options.Retention);
        _ = tx.ListRemoveAsync(_keys.Processing, lease.Member, 1);
        _ = tx.SortedSetRemoveAsync(_keys.Leases, lease.Member);
        await tx.ExecuteAsync().ConfigureAwait(false);
        var wasFirst = await first.ConfigureAwait(false);
        if (wasFirst)
        {
            // Moves the batch to completed when this was its last result.
            await GetAsync(lease.BatchId).ConfigureAwait(false);
        }

        return wasFirst;
    }

    /// <summary>
    /// Puts items whose lease has run out back in the queue; so are items found in the processing list without any
    /// lease on two consecutive runs (a worker that died between taking and leasing). Run it periodically.
    /// </summary>
    /// <returns>How many items were returned to the queue.</returns>
    public async Task<int> ReapAsync()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var returned = 0;
        foreach (var member in await _db.SortedSetRangeByScoreAsync(_keys.Leases, double.NegativeInfinity, now).ConfigureAwait(false))
        {
            // Whoever removes the lease owns the item: two reapers cannot both requeue it.
            if (await _db.SortedSetRemoveAsync(_keys.Leases, member).ConfigureAwait(false))
            {
                await RequeueAsync(member).ConfigureAwait(false);
                returned++;
            }
        }

        var processing = await _db.ListRangeAsync(_keys.Processing).ConfigureAwait(false);
        var unleased = new List<string>();
        foreach (var member in processing)
        {
            if ((await _db.SortedSetScoreAsync(_keys.Leases, member).ConfigureAwait(false)) is null)
            {
                unleased.Add(member!);
            }
        }

        List<string> orphans;
        lock (_orphanGate)
        {
            orphans = [.. unleased.Where(_suspectedOrphans.Contains)];
            _suspectedOrphans.Clear();
            _suspectedOrphans.UnionWith(unleased.Except(orphans));
        }

        foreach (var member in orphans)
        {
            await RequeueAsync(member).ConfigureAwait(false);
            returned++;
        }

        return returned;
    }

    /// <summary>The result lines of a batch in submission order (only items that have a result).</summary>
    public async IAsyncEnumerable<string> ReadResultsAsync(string batchId)
    {
        await foreach (var (_, result) in ReadInOrderAsync(batchId).ConfigureAwait(false))
        {
            if (result is not null)
            {
                yield return result.Line;
            }
        }
    }

    /// <summary>Every custom_id of a batch in submission order, with its result, or null while (or if never) answered.</summary>
    public async IAsyncEnumerable<(string CustomId, BatchResult? Result)> ReadInOrderAsync(string batchId)
    {
        var order = await _db.ListRangeAsync(_keys.Order(batchId)).ConfigureAwait(false);
        const int Page = 256;
        for (var start = 0; start < order.Length; start += Page)
        {
            var ids = order.Skip(start).Take(Page).ToArray();
            var lines = await _db.HashGetAsync(_keys.Results(batchId), ids).ConfigureAwait(false);
            var outcomes = await _db.HashGetAsync(_keys.Outcomes(batchId), ids).ConfigureAwait(false);
            for (var i = 0; i < lines.Length; i++)
            {
                yield return ((string)ids[i]!, lines[i].IsNull ? null : new BatchResult(lines[i]!, outcomes[i] == "ok"));
            }
        }
    }

    /// <summary>Items waiting, held, and leased (for metrics and tests).</summary>
    public async Task<(long Pending, long Processing, long Leased)> CountsAsync() => (
        await _db.ListLengthAsync(_keys.Pending).ConfigureAwait(false),
        await _db.ListLengthAsync(_keys.Processing).ConfigureAwait(false),
        await _db.SortedSetLengthAsync(_keys.Leases).ConfigureAwait(false));

    /// <summary>Whether a worker holds an item of the batch (the processing list is as long as the workers' concurrency).</summary>
    private async Task<bool> AnyHeldAsync(string batchId)
    {
        foreach (var member in await _db.ListRangeAsync(_keys.Processing).ConfigureAwait(false))
        {
            if (WorkItem.Decode(member!).BatchId == batchId)
            {
                return true;
            }
        }

        return false;
    }

    private static string? Text(Dictionary<string, RedisValue> map, string field) =>
        map.TryGetValue(field, out var value) && !value.IsNullOrEmpty ? (string?)value : null;

    private static long? Number(Dictionary<string, RedisValue> map, string field) =>
        map.TryGetValue(field, out var value) && value.TryParse(out long number) ? number : null;

    private async Task RequeueAsync(RedisValue member)
    {
        var tx = _db.CreateTransaction();
        _ = tx.ListRemoveAsync(_keys.Processing, member, 1);
        _ = tx.ListRightPushAsync(_keys.Pending, member);
        await tx.ExecuteAsync().ConfigureAwait(false);
    }

    private async Task ReleaseAsync(string member)
    {
        var tx = _db.CreateTransaction();
        _ = tx.ListRemoveAsync(_keys.Processing, member, 1);
        _ = tx.SortedSetRemoveAsync(_keys.Leases, member);
        await tx.ExecuteAsync().ConfigureAwait(false);
    }

    private string[] BatchDataKeys(string batchId) =>
        [_keys.Batch(batchId), _keys.Requests(batchId), _keys.Order(batchId)];
}
