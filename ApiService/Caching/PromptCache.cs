using Aspire70B.ApiService.Chat;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Aspire70B.ApiService.Caching;

/// <summary>What the cache may do for one request.</summary>
/// <param name="Key">The entry's key; null when the request is not cacheable.</param>
/// <param name="Read">Whether to look the key up (<c>Cache-Control: no-cache</c> skips it).</param>
/// <param name="Write">Whether to store the answer (<c>Cache-Control: no-store</c> skips it).</param>
internal sealed record CacheDecision(string? Key, bool Read, bool Write)
{
    public static CacheDecision Bypass { get; } = new(null, false, false);

    public bool Applies => Key is not null;
}

/// <summary>
/// The prompt cache: which requests may be cached (deterministic ones: temperature 0 or a fixed seed), their key,
/// and entries read and written through the fail-open store with a size cap. Thread-safe.
/// </summary>
internal sealed class PromptCache(IPromptCacheStore store, IOptions<PromptCacheOptions> options)
{
    // The sequence number of the last store, per slot of the key's hash: a lookup that missed asks whether its key (or
    // one sharing its slot, rarely) was stored since, without a second read for every miss.
    private const int StoreSlots = 4096;
    private readonly PromptCacheOptions _options = options.Value;
    private readonly long[] _lastStoreBySlot = new long[StoreSlots];
    private long _stores;

    public PromptCacheState State => _options.Enabled ? store.State : PromptCacheState.Disabled;

    public string? LastError => store.LastError;

    /// <summary>A mark to take before a lookup, for <see cref="StoredSince"/>.</summary>
    public long StoreMark => Volatile.Read(ref _stores);

    /// <summary>
    /// Whether an answer for <paramref name="key"/> may have been written since <paramref name="mark"/> (a store that failed
    /// dropped it; another key in the same slot moves it too). A request whose lookup missed asks this once its own
    /// single flight is registered: an answer stored by a flight that ended in between is then read, not asked for again.
    /// </summary>
    public bool StoredSince(string key, long mark) => Volatile.Read(ref _lastStoreBySlot[Slot(key)]) > mark;

    public CacheDecision Decide(
        HttpRequest request, ChatParameters parameters, string tenant, string profile, string templateId, string prompt, int maxTokens,
        IReadOnlyList<KeyValuePair<string, string>> forwardedHeaders)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(parameters);
        var deterministic = parameters.Temperature == 0 || parameters.Seed is not null;
        if (!_options.Enabled || store.State == PromptCacheState.Disabled || !deterministic)
        {
            return CacheDecision.Bypass;
        }

        var control = CacheControlHeaderValue.TryParse(request.Headers.CacheControl.ToString(), out var parsed) ? parsed : null;
        using var key = new PromptCacheKey();
        key.Add("tenant", _options.Scope == PromptCacheScope.Shared ? "*" : tenant)
            .Add("profile", profile)
            .Add("template", templateId)
            .Add("prompt", prompt)
            .Add("max_tokens", maxTokens)
            .Add("n", parameters.N)
            .Add("temperature", parameters.Temperature)
            .Add("top_p", parameters.TopP)
            .Add("top_k", parameters.TopK)
            .Add("min_p", parameters.MinP)
            .Add("presence_penalty", parameters.PresencePenalty)
            .Add("frequency_penalty", parameters.FrequencyPenalty)
            .Add("repetition_penalty", parameters.RepetitionPenalty)
            .Add("seed", parameters.Seed)
            .Add("stop", parameters.Stop)
            .Add("tools", parameters.ToolsJson)
            .Add("tool_choice", parameters.ToolChoice.Key)
            .Add("structured_outputs", parameters.StructuredOutputsJson)
            .Add("forwarded_headers", [.. forwardedHeaders.Select(h => h.Key.ToUpperInvariant() + ": " + h.Value)]);
        return new CacheDecision(key.Finish(), Read: control?.NoCache != true, Write: control?.NoStore != true);
    }

    public async ValueTask<CachedCompletion?> GetAsync(string key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } bytes ? CachedCompletion.TryDeserialize(bytes) : null;

    /// <summary>Stores a finished completion unless it is larger than the cap; returns whether it was stored.</summary>
    public async ValueTask<bool> SetAsync(string key, CachedCompletion entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var bytes = entry.Serialize();
        if (bytes.Length > _options.MaxEntryBytes)
        {
            return false;
        }

        await store.SetAsync(key, bytes, _options.TimeToLive, cancellationToken).ConfigureAwait(false);
        MarkStored(key);
        return true;
    }

    // FNV-1a over the key (itself a hash): the same slot for the same key in every process.
    private static int Slot(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % StoreSlots);
    }

    private void MarkStored(string key)
    {
        var sequence = Interlocked.Increment(ref _stores);
        ref var slot = ref _lastStoreBySlot[Slot(key)];
        var seen = Volatile.Read(ref slot);
        while (seen < sequence)
        {
            var previous = Interlocked.CompareExchange(ref slot, sequence, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
