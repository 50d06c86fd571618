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
    private readonly PromptCacheOptions _options = options.Value;
    private long _stores;

    public PromptCacheState State => _options.Enabled ? store.State : PromptCacheState.Disabled;

    public string? LastError => store.LastError;

    /// <summary>
    /// How many answers have been written so far (a failing store drops them: counted all the same). A request whose
    /// lookup missed and that is about to call the model while this has moved looks again: the answer it wants may have
    /// been stored, by a single flight that has since ended, after its lookup.
    /// </summary>
    public long Stores => Volatile.Read(ref _stores);

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
        Interlocked.Increment(ref _stores);
        return true;
    }
}
