using Aspire70B.TestSupport;
using StackExchange.Redis;
using Microsoft.Extensions.Time.Testing;

namespace Aspire70B.Batches.Tests;

/// <summary>Both Redis-compatible servers, started once for the class.</summary>
public sealed class Servers : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;

    public RedisServer Garnet { get; private set; } = null!;

    public ConnectionMultiplexer RedisConnection { get; private set; } = null!;

    public ConnectionMultiplexer GarnetConnection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync(RedisKind.Redis);
        Garnet = await RedisServer.StartAsync(RedisKind.Garnet);
        RedisConnection = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        GarnetConnection = await ConnectionMultiplexer.ConnectAsync(Garnet.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        RedisConnection.Dispose();
        GarnetConnection.Dispose();
        await Redis.DisposeAsync();
        await Garnet.DisposeAsync();
    }

    public IDatabase Database(RedisKind kind) => (kind == RedisKind.Redis ? RedisConnection : GarnetConnection).GetDatabase();
}

public sealed class BatchStoreTests(Servers servers) : IClassFixture<Servers>
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));

    private BatchStore Store(RedisKind kind) => new(
        servers.Database(kind),
        new BatchQueueOptions { KeyPrefix = $"test:{Guid.NewGuid():N}:", LeaseDuration = TimeSpan.FromSeconds(30), Retention = TimeSpan.FromHours(1) },
        _clock);

    private static List<KeyValuePair<string, string>> Requests(int count) =>
        [.. Enumerable.Range(0, count).Select(i => KeyValuePair.Create($"req-{i:D3}", $$"""{"messages":[{"role":"user","content":"{{i}}"}]}"""))];

    private static string Line(WorkLease lease, string by) => $$"""{"custom_id":"{{lease.CustomId}}","by":"{{by}}"}""";

    private static async Task<int> DrainAsync(BatchStore store, string worker, int? limit = null)
    {
        var done = 0;
        while ((limit is null || done < limit) && await store.LeaseAsync() is { } lease)
        {
            await store.CompleteAsync(lease, Line(lease, worker), succeeded: true);
            done++;
        }

        return done;
    }

    private static async Task<List<string>> ResultsAsync(BatchStore store, string batchId)
    {
        var lines = new List<string>();
        await foreach (var line in store.ReadResultsAsync(batchId))
        {
            lines.Add(line);
        }

        return lines;
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task TwoWorkersProcessEveryRequestExactlyOnce(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(200));

        var counts = await Task.WhenAll(DrainAsync(store, "a"), DrainAsync(store, "b"));
        var status = await store.GetAsync("batch_1");
        var results = await ResultsAsync(store, "batch_1");

        Assert.Equal(200, counts.Sum());
        Assert.Equal(200, results.Count);
        Assert.Equal(Requests(200).Select(r => r.Key), results.Select(l => l.Split('"')[3]));
        var created = _clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(new BatchStatus("batch_1", "completed", 200, 200, 0, created, created + 86_400) { CompletedAt = created, RetainedUntil = created + 3_600 }, status);
        Assert.Equal((0, 0, 0), await store.CountsAsync());
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task ADeadWorkersItemsReturnWhenItsLeasesRunOutAndNoneIsLost(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(200));
        for (var i = 0; i < 50; i++)
        {
            Assert.NotNull(await store.LeaseAsync());
        }

        // The worker dies. Its leases are still running: nothing comes back yet.
        Assert.Equal(0, await store.ReapAsync());
        await DrainAsync(store, "b");
        Assert.Equal(150, (await store.GetAsync("batch_1"))!.Completed);

        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(50, await store.ReapAsync());
        await DrainAsync(store, "b");

        var results = await ResultsAsync(store, "batch_1");
        Assert.Equal(200, results.Count);
        Assert.Equal(200, results.Select(l => l.Split('"')[3]).Distinct().Count());
        Assert.Equal("completed", (await store.GetAsync("batch_1"))!.Status);
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task ASlowWorkerThatFinishesAfterTheReaperDoesNotCountTwice(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(1));
        var slow = (await store.LeaseAsync())!;
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await store.ReapAsync());
        var fast = (await store.LeaseAsync())!;

        Assert.True(await store.CompleteAsync(fast, Line(fast, "fast"), succeeded: true));
        Assert.False(await store.CompleteAsync(slow, Line(slow, "slow"), succeeded: true));

        Assert.Equal(["""{"custom_id":"req-000","by":"fast"}"""], await ResultsAsync(store, "batch_1"));
        Assert.Equal(1, (await store.GetAsync("batch_1"))!.Completed);
        Assert.Equal((0, 0, 0), await store.CountsAsync());
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task AnItemTakenButNeverLeasedIsRequeuedOnTheSecondReap(RedisKind kind)
    {
        var store = Store(kind);
        var db = servers.Database(kind);
        await store.CreateAsync("batch_1", Requests(1));
        var keys = store.Keys;
        // A worker died right after the atomic move, before writing its lease.
        await db.ListRightPopLeftPushAsync(keys.Pending, keys.Processing);

        Assert.Equal(0, await store.ReapAsync());
        Assert.Equal(1, await store.ReapAsync());
        Assert.Equal(1, await DrainAsync(store, "b"));
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task ACancelledBatchStartsNoMoreItemsButKeepsFinishedResults(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(10));
        await DrainAsync(store, "a", limit: 3);

        var status = await store.CancelAsync("batch_1");

        Assert.Equal("cancelled", status!.Status);
        Assert.Null(await store.LeaseAsync());
        Assert.Equal(3, (await ResultsAsync(store, "batch_1")).Count);
        Assert.Equal((0, 0, 0), await store.CountsAsync());
        Assert.Equal("cancelled", (await store.CancelAsync("batch_1"))!.Status);
        Assert.Null(await store.CancelAsync("batch_unknown"));
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task ABatchCancelledWhileAnItemRunsIsCancellingUntilThatItemEnds(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(3));
        var running = (await store.LeaseAsync())!;
        var cancellingAt = _clock.GetUtcNow().ToUnixTimeSeconds();

        var cancelling = await store.CancelAsync("batch_1");
        _clock.Advance(TimeSpan.FromSeconds(5));
        await store.CompleteAsync(running, Line(running, "a"), succeeded: true);
        var cancelled = await store.GetAsync("batch_1");

        Assert.Equal("cancelling", cancelling!.Status);
        Assert.Equal(cancellingAt, cancelling.CancellingAt);
        Assert.Null(cancelling.CancelledAt);
        Assert.Equal("cancelled", cancelled!.Status);
        Assert.Equal(cancellingAt + 5, cancelled.CancelledAt);
        Assert.Equal(1, cancelled.Completed);
        Assert.Null(await store.LeaseAsync());
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task AnOwnersBatchesAreListedNewestFirstPageByPage(RedisKind kind)
    {
        var store = Store(kind);
        foreach (var id in new[] { "batch_a", "batch_b", "batch_c" })
        {
            await store.CreateAsync(id, Requests(1), "ann", new BatchSource("file-1", """{"k":"v"}"""));
        }

        await store.CreateAsync("batch_other", Requests(1), "bob");

        var first = await store.ListAsync("ann", after: null, limit: 2);
        var second = await store.ListAsync("ann", after: "batch_b", limit: 2);
        var unknown = await store.ListAsync("ann", after: "batch_nope", limit: 2);

        Assert.Equal(["batch_c", "batch_b"], first.Batches.Select(b => b.Id));
        Assert.True(first.HasMore);
        Assert.Equal(["batch_a"], second.Batches.Select(b => b.Id));
        Assert.False(second.HasMore);
        Assert.Empty(unknown.Batches);
        Assert.All(first.Batches, b => Assert.Equal(("file-1", """{"k":"v"}""", "ann"), (b.InputFileId, b.MetadataJson, b.Owner)));
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task AFileIsStoredReadAndDeletedWhole(RedisKind kind)
    {
        var options = new BatchQueueOptions { KeyPrefix = $"test:{Guid.NewGuid():N}:", Retention = TimeSpan.FromHours(1) };
        var files = new FileStore(servers.Database(kind), options, _clock);
        byte[] content = [.. "{\"custom_id\":\"a\"}\n"u8, 0xC3, 0xA9];

        var stored = await files.UploadAsync("file-1", "in.jsonl", "batch", content, "ann");
        var fetched = await files.GetAsync("file-1");
        var bytes = await files.ReadAsync("file-1");
        var deleted = await files.DeleteAsync("file-1");

        Assert.Equal(new StoredFile("file-1", "in.jsonl", "batch", content.Length, _clock.GetUtcNow().ToUnixTimeSeconds(), (_clock.GetUtcNow() + TimeSpan.FromHours(1)).ToUnixTimeSeconds(), "ann"), stored);
        Assert.Equal(stored, fetched);
        Assert.Equal(content, bytes);
        Assert.True(deleted);
        Assert.Null(await files.GetAsync("file-1"));
        Assert.Null(await files.ReadAsync("file-1"));
        Assert.False(await files.DeleteAsync("file-1"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await files.UploadAsync("file-2", "a", "batch", content, null);
            await files.UploadAsync("file-2", "b", "batch", content, null);
        });
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task DuplicateIdsAreRefusedAndNothingIsQueued(RedisKind kind)
    {
        var store = Store(kind);
        List<KeyValuePair<string, string>> duplicated = [KeyValuePair.Create("a", "{}"), KeyValuePair.Create("a", "{}")];

        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync("batch_1", duplicated));
        await store.CreateAsync("batch_2", Requests(2));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateAsync("batch_2", Requests(2)));
        Assert.Equal((2, 0, 0), await store.CountsAsync());
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task ABatchStillUnansweredAtTheEndOfItsWindowExpiresAndItsWaitingItemsNeverRun(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(4));
        var first = (await store.LeaseAsync())!;
        await store.CompleteAsync(first, Line(first, "a"), succeeded: true);
        var running = (await store.LeaseAsync())!;

        _clock.Advance(BatchStore.CompletionWindow - TimeSpan.FromSeconds(1));
        var justBefore = await store.GetAsync("batch_1");
        _clock.Advance(TimeSpan.FromSeconds(1));
        var afterWindow = await store.LeaseAsync();
        var expired = await store.GetAsync("batch_1");
        // The item that was running when the window closed still reports its result.
        var late = await store.CompleteAsync(running, Line(running, "a"), succeeded: false);
        var final = await store.GetAsync("batch_1");
        var order = new List<(string, bool?)>();
        await foreach (var (customId, result) in store.ReadInOrderAsync("batch_1"))
        {
            order.Add((customId, result?.Succeeded));
        }

        Assert.Equal("in_progress", justBefore!.Status);
        Assert.Null(afterWindow);
        Assert.Equal("expired", expired!.Status);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds(), expired.ExpiredAt);
        Assert.Equal(expired.CreatedAt + 86_400, expired.ExpiresAt);
        Assert.True(late);
        Assert.Equal(("expired", 1, 1, 2), (final!.Status, final.Completed, final.Failed, final.Unanswered));
        Assert.Equal([("req-000", true), ("req-001", false), ("req-002", null), ("req-003", null)], order);
        Assert.Equal((0, 0, 0), await store.CountsAsync());
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task ABatchAnsweredWithinItsWindowCompletesEvenWhenReadAfterIt(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(2));
        await DrainAsync(store, "a");

        _clock.Advance(BatchStore.CompletionWindow + TimeSpan.FromHours(1));
        var status = await store.GetAsync("batch_1");

        Assert.Equal(("completed", null), (status!.Status, status.ExpiredAt));
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task FilesAreListedPerOwnerInUploadOrderPageByPage(RedisKind kind)
    {
        var options = new BatchQueueOptions { KeyPrefix = $"test:{Guid.NewGuid():N}:", Retention = TimeSpan.FromHours(1) };
        var files = new FileStore(servers.Database(kind), options, _clock);
        foreach (var i in Enumerable.Range(1, 5))
        {
            await files.UploadAsync($"file-{i}", $"{i}.jsonl", i == 3 ? "other" : "batch", "{}"u8.ToArray(), "alice");
        }

        await files.UploadAsync("file-bob", "b.jsonl", "batch", "{}"u8.ToArray(), "bob");
        await files.DeleteAsync("file-4");

        var newest = await files.ListAsync("alice", purpose: null, after: null, limit: 2, ascending: false);
        var rest = await files.ListAsync("alice", purpose: null, after: newest.Files[^1].Id, limit: 10, ascending: false);
        var batchOnly = await files.ListAsync("alice", purpose: "batch", after: null, limit: 10, ascending: true);
        var unknownCursor = await files.ListAsync("alice", purpose: null, after: "file-bob", limit: 10, ascending: true);

        Assert.Equal(["file-5", "file-3"], newest.Files.Select(f => f.Id));
        Assert.True(newest.HasMore);
        Assert.Equal(["file-2", "file-1"], rest.Files.Select(f => f.Id));
        Assert.False(rest.HasMore);
        Assert.Equal(["file-1", "file-2", "file-5"], batchOnly.Files.Select(f => f.Id));
        Assert.Empty(unknownCursor.Files);
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task BatchDataExpiresAfterTheRetention(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(3));
        await DrainAsync(store, "a");
        var keys = store.Keys;
        var db = servers.Database(kind);

        foreach (var key in new[] { keys.Batch("batch_1"), keys.Requests("batch_1"), keys.Order("batch_1"), keys.Results("batch_1"), keys.Outcomes("batch_1") })
        {
            var ttl = await db.KeyTimeToLiveAsync(key);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        }

        // An item whose batch has expired is dropped, not run.
        await store.CreateAsync("batch_2", Requests(1));
        await db.KeyDeleteAsync(keys.Requests("batch_2"));
        Assert.Null(await store.LeaseAsync());
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task ALeaseCanBeRenewedUntilTheReaperTakesIt(RedisKind kind)
    {
        var store = Store(kind);
        await store.CreateAsync("batch_1", Requests(1));
        var lease = (await store.LeaseAsync())!;

        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await store.RenewAsync(lease));
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(0, await store.ReapAsync());
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await store.ReapAsync());
        Assert.False(await store.RenewAsync(lease));
    }
}
