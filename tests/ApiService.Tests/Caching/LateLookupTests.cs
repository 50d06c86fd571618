using System.Text.Json;
using Aspire70B.ApiService.Caching;
using Aspire70B.ApiService.Tests.Infrastructure;
using Aspire70B.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aspire70B.ApiService.Tests.Caching;

/// <summary>
/// A request whose cache lookup missed while another request's identical model call was under way, and that reaches the
/// single flight only after that call has ended and stored its answer: it reads the stored answer instead of calling the
/// model a second time. Real Redis; the lookup's reply is held back by a store wrapper so the race happens every time.
/// </summary>
public sealed class LateLookupTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ScriptedUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(RedisKind.Redis);
        _upstream = await ScriptedUpstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ALookupThatMissedJustBeforeTheAnswerWasStoredReadsItInsteadOfCallingTheModelAgain(bool stream)
    {
        var modelAnswering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.ThenEventsAfter(modelAnswering.Task, ScriptedUpstream.Chunk("Hello"), ScriptedUpstream.Chunk(" there", "stop"), ScriptedUpstream.Usage(9, 2), "[DONE]");
        var (gateway, store) = Gateway();
        await using var _ = gateway;
        using var client = gateway.CreateClient();
        await CacheConnectedAsync(store);

        var first = PostAsync(client, Chat("late lookup", stream: false));
        await store.Lookups.WaitForAsync(1);
        var late = PostAsync(client, Chat("late lookup", stream));
        // The late request's lookup has read Redis (nothing there yet); its reply is held until the first call is over.
        await store.Lookups.WaitForAsync(2);
        modelAnswering.SetResult();
        var (firstStatus, firstBody, firstCache) = await first;
        store.ReleaseHeldLookup();
        var (lateStatus, lateBody, lateCache) = await late;

        Assert.Equal((200, "miss"), (firstStatus, firstCache));
        Assert.True(lateStatus == 200, lateBody);
        Assert.Equal("hit", lateCache);
        Assert.Single(_upstream.Requests);
        // The same bytes as an ordinary hit for the same request, ids and timestamps aside.
        var (hitStatus, hitBody, hitCache) = await PostAsync(client, Chat("late lookup", stream));
        Assert.Equal((200, "hit"), (hitStatus, hitCache));
        Assert.Equal(WithoutIds(hitBody), WithoutIds(lateBody));
        Assert.Contains("Hello there", stream ? string.Concat(ContentDeltas(lateBody)) : lateBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherKeysAnswerStoredMeanwhileLeavesTheLateRequestToTheModel()
    {
        var modelAnswering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.ThenEventsAfter(modelAnswering.Task, ScriptedUpstream.Chunk("First", "stop"), ScriptedUpstream.Usage(9, 1), "[DONE]");
        _upstream.ThenEvents(ScriptedUpstream.Chunk("Second", "stop"), ScriptedUpstream.Usage(9, 1), "[DONE]");
        var (gateway, store) = Gateway();
        await using var _ = gateway;
        using var client = gateway.CreateClient();
        await CacheConnectedAsync(store);

        var first = PostAsync(client, Chat("one question", stream: false));
        await store.Lookups.WaitForAsync(1);
        var late = PostAsync(client, Chat("another question", stream: false));
        await store.Lookups.WaitForAsync(2);
        modelAnswering.SetResult();
        Assert.Equal("miss", (await first).Cache);
        store.ReleaseHeldLookup();
        var (lateStatus, lateBody, lateCache) = await late;

        // Another key's store is no reason to look again: one lookup, then the model.
        Assert.True(lateStatus == 200, lateBody);
        Assert.Equal("miss", lateCache);
        Assert.Equal(2, store.Lookups.Count);
        Assert.Equal(2, _upstream.Requests.Count);
        Assert.Contains("Second", lateBody, StringComparison.Ordinal);
    }

    private (WebApplicationFactory<Program> Gateway, HoldingStore Store) Gateway()
    {
        HoldingStore? store = null;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:model", $"Endpoint={_upstream.Endpoint};Model={SystemProcesses.Model}")
                .UseSetting("ConnectionStrings:cache", _redis.ConnectionString)
                .UseSetting("ConnectionStrings:batches", _redis.ConnectionString)
                .UseSetting("Gateway:Profile", SystemProcesses.Profile)
                .UseSetting("PromptCache:KeyPrefix", $"late-{Guid.NewGuid():N}:")
                .UseSetting("Logging:LogLevel:Default", "Warning");
            builder.ConfigureServices(services =>
            {
                var inner = services.Last(d => d.ServiceType == typeof(IPromptCacheStore));
                services.RemoveAll<IPromptCacheStore>();
                services.AddSingleton<IPromptCacheStore>(sp => store = new HoldingStore((IPromptCacheStore)inner.ImplementationFactory!(sp)));
                services.AddSingleton<IStartupFilter, LoopbackCaller>();
            });
        });
        _ = factory.Services.GetRequiredService<IPromptCacheStore>();
        return (factory, store!);
    }

    /// <summary>Until the gateway's cache is connected: before that a lookup is a bypass, not a miss.</summary>
    private static async Task CacheConnectedAsync(HoldingStore store)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (store.State != PromptCacheState.Healthy)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static string Chat(string content, bool stream) =>
        $$"""{"model":"{{SystemProcesses.Model}}","messages":[{"role":"user","content":"{{content}}"}],"temperature":0,"max_tokens":8,"stream":{{(stream ? "true,\"stream_options\":{\"include_usage\":true}" : "false")}}}""";

    private static async Task<(int Status, string Body, string? Cache)> PostAsync(HttpClient client, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content);
        var cache = response.Headers.TryGetValues("x-cache", out var values) ? string.Join(",", values) : null;
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), cache);
    }

    private static string WithoutIds(string body) =>
        System.Text.RegularExpressions.Regex.Replace(body, "\"(id|created)\":(\"[^\"]*\"|[0-9]+)", "\"$1\":_");

    private static IEnumerable<string> ContentDeltas(string sse) =>
        sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..])
            .Where(d => d != "[DONE]")
            .Select(d => JsonDocument.Parse(d).RootElement.GetProperty("choices"))
            .Where(c => c.GetArrayLength() > 0 && c[0].GetProperty("delta").TryGetProperty("content", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(c => c[0].GetProperty("delta").GetProperty("content").GetString()!);

    /// <summary>The real store, whose second lookup reads Redis at once but answers only when released.</summary>
    private sealed class HoldingStore(IPromptCacheStore inner) : IPromptCacheStore
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Counter Lookups { get; } = new();

        public PromptCacheState State => inner.State;

        public string? LastError => inner.LastError;

        public void ReleaseHeldLookup() => _release.SetResult();

        public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
        {
            var value = await inner.GetAsync(key, cancellationToken);
            if (Lookups.Increment() == 2)
            {
                await _release.Task.WaitAsync(cancellationToken);
            }

            return value;
        }

        public ValueTask SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken) =>
            inner.SetAsync(key, value, timeToLive, cancellationToken);
    }

    /// <summary>A count that can be awaited.</summary>
    private sealed class Counter
    {
        private readonly Lock _gate = new();
        private readonly List<(int Target, TaskCompletionSource Reached)> _waiters = [];
        private int _count;

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _count;
                }
            }
        }

        public int Increment()
        {
            lock (_gate)
            {
                _count++;
                foreach (var waiter in _waiters.Where(w => w.Target <= _count))
                {
                    waiter.Reached.TrySetResult();
                }

                return _count;
            }
        }

        public Task WaitForAsync(int target)
        {
            lock (_gate)
            {
                if (_count >= target)
                {
                    return Task.CompletedTask;
                }

                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((target, reached));
                return reached.Task.WaitAsync(TimeSpan.FromMinutes(1));
            }
        }
    }
}
