using System.ComponentModel.DataAnnotations;

namespace Aspire70B.ApiService.Caching;

/// <summary>Who shares cache entries.</summary>
internal enum PromptCacheScope
{
    /// <summary>Each API key sees only its own entries (the default: a prompt can carry private data).</summary>
    PerApiKey,

    /// <summary>Every caller shares entries.</summary>
    Shared,
}

/// <summary>The prompt cache. Bound from <c>PromptCache</c>; the Redis address comes from <c>ConnectionStrings:cache</c>.</summary>
internal sealed class PromptCacheOptions
{
    public const string Section = "PromptCache";

    public bool Enabled { get; set; } = true;

    public PromptCacheScope Scope { get; set; } = PromptCacheScope.PerApiKey;

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Larger responses are served but not stored.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxEntryBytes { get; set; } = 256 * 1024;

    /// <summary>A cache read or write slower than this is abandoned and the request goes on without the cache.</summary>
    [Range(typeof(TimeSpan), "00:00:00.005", "00:00:10")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    public string KeyPrefix { get; set; } = "aspire70b:prompt-cache:";
}
