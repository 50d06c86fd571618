using StackExchange.Redis;

namespace Aspire70B.Batches;

/// <summary>An uploaded file's description, in the OpenAI Files API's terms.</summary>
/// <param name="Id"><c>file-…</c>.</param>
/// <param name="Filename">The name the client gave.</param>
/// <param name="Purpose">What it is for (<c>batch</c>).</param>
/// <param name="Bytes">Its size.</param>
/// <param name="CreatedAt">Upload time, Unix seconds.</param>
/// <param name="ExpiresAt">When it is dropped, Unix seconds.</param>
/// <param name="Owner">Who uploaded it (the API key's name); only they may see it.</param>
public sealed record StoredFile(string Id, string Filename, string Purpose, long Bytes, long CreatedAt, long ExpiresAt, string? Owner);

/// <summary>
/// Uploaded files, in the batch store next to the batches that read them (so they are as durable): metadata in a hash,
/// bytes in a string, written in one transaction and kept for <see cref="BatchQueueOptions.Retention"/>. Thread-safe.
/// </summary>
public sealed class FileStore
{
    private readonly IDatabase _db;
    private readonly BatchQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly BatchKeys _keys;

    /// <summary>Creates a file store over <paramref name="db"/>.</summary>
    public FileStore(IDatabase db, BatchQueueOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _db = db ?? throw new ArgumentNullException(nameof(db));
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _keys = new BatchKeys(options.KeyPrefix);
    }

    /// <summary>Stores a file under a new id.</summary>
    public async Task<StoredFile> UploadAsync(string fileId, string filename, string purpose, ReadOnlyMemory<byte> content, string? owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileId);
        var now = _time.GetUtcNow();
        var file = new StoredFile(fileId, filename, purpose, content.Length, now.ToUnixTimeSeconds(), (now + _options.Retention).ToUnixTimeSeconds(), owner);
        // The listing's order: a counter, not the clock, so two uploads in the same second keep theirs.
        var index = _keys.OwnerFiles(owner ?? "");
        var order = await _db.StringIncrementAsync(index + ":seq").ConfigureAwait(false);
        var tx = _db.CreateTransaction();
        tx.AddCondition(Condition.KeyNotExists(_keys.File(fileId)));
        _ = tx.StringSetAsync(_keys.FileContent(fileId), content.ToArray(), _options.Retention);
        _ = tx.HashSetAsync(_keys.File(fileId),
        [
            new HashEntry("filename", filename),
            new HashEntry("purpose", purpose),
            new HashEntry("bytes", file.Bytes),
            new HashEntry("created_at", file.CreatedAt),
            new HashEntry("expires_at", file.ExpiresAt),
            new HashEntry("owner", owner ?? ""),
        ]);
        _ = tx.KeyExpireAsync(_keys.File(fileId), _options.Retention);
        _ = tx.SortedSetAddAsync(index, fileId, order);
        _ = tx.KeyExpireAsync(index, _options.Retention);
        return await tx.ExecuteAsync().ConfigureAwait(false) ? file : throw new InvalidOperationException($"A file with id '{fileId}' exists already.");
    }

    /// <summary>A file's description, or null when there is none (or it expired).</summary>
    public async Task<StoredFile?> GetAsync(string fileId)
    {
        var fields = await _db.HashGetAllAsync(_keys.File(fileId)).ConfigureAwait(false);
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => f.Value, StringComparer.Ordinal);
        var owner = (string?)map.GetValueOrDefault("owner");
        return new StoredFile(fileId, (string)map["filename"]!, (string)map["purpose"]!, (long)map["bytes"], (long)map["created_at"], (long)map["expires_at"],
            string.IsNullOrEmpty(owner) ? null : owner);
    }

    /// <summary>
    /// An owner's files, newest first (or oldest first when <paramref name="ascending"/>): at most
    /// <paramref name="limit"/> after the file <paramref name="after"/> (exclusive), only those with
    /// <paramref name="purpose"/> when given, and whether more follow. Deleted and expired files are skipped and
    /// dropped from the index.
    /// </summary>
    public async Task<(IReadOnlyList<StoredFile> Files, bool HasMore)> ListAsync(string owner, string? purpose, string? after, int limit, bool ascending)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var key = _keys.OwnerFiles(owner);
        var order = ascending ? Order.Ascending : Order.Descending;
        long start = 0;
        if (after is not null)
        {
            if (await _db.SortedSetRankAsync(key, after, order).ConfigureAwait(false) is not { } rank)
            {
                return ([], false);
            }

            start = rank + 1;
        }

        var files = new List<StoredFile>();
        while (files.Count <= limit)
        {
            var ids = await _db.SortedSetRangeByRankAsync(key, start, start + Math.Min(limit, 999), order).ConfigureAwait(false);
            if (ids.Length == 0)
            {
                break;
            }

            start += ids.Length;
            foreach (var id in ids)
            {
                if (await GetAsync(id!).ConfigureAwait(false) is not { } file)
                {
                    await _db.SortedSetRemoveAsync(key, id).ConfigureAwait(false);
                }
                else if (purpose is null || file.Purpose == purpose)
                {
                    files.Add(file);
                }
            }
        }

        return files.Count > limit ? (files[..limit], true) : (files, false);
    }

    /// <summary>A file's bytes, or null when there is none.</summary>
    public async Task<byte[]?> ReadAsync(string fileId) => await _db.StringGetAsync(_keys.FileContent(fileId)).ConfigureAwait(false);

    /// <summary>Deletes a file; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string fileId)
    {
        // One DEL of both keys: atomic without a transaction.
        return await _db.KeyDeleteAsync([_keys.File(fileId), _keys.FileContent(fileId)]).ConfigureAwait(false) > 0;
    }
}
