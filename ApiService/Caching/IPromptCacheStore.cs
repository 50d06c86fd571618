namespace Aspire70B.ApiService.Caching;

/// <summary>The cache's state, for <c>/health</c>.</summary>
internal enum PromptCacheState
{
    Disabled,
    Healthy,
    Degraded,
}

/// <summary>
/// Byte storage for cache entries. Implementations fail open: a read that fails or is slow is a miss, a write that
/// fails is dropped, and the state says so. Thread-safe.
/// </summary>
internal interface IPromptCacheStore
{
    PromptCacheState State { get; }

    /// <summary>What went wrong last, for <c>/health</c>; null while healthy.</summary>
    string? LastError { get; }

    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    ValueTask SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken);
}

/// <summary>The store used when caching is off or no Redis is configured.</summary>
internal sealed class DisabledPromptCacheStore : IPromptCacheStore
{
    public PromptCacheState State => PromptCacheState.Disabled;

    public string? LastError => null;

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);

    public ValueTask SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
