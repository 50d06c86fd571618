using System.ComponentModel.DataAnnotations;

namespace Aspire70B.ApiService.Security;

/// <summary>Per-key request rate. Bound from <c>RateLimit</c>.</summary>
internal sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    public const string PolicyName = "per-api-key";

    /// <summary>Sustained requests per minute for one key.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerMinute { get; set; } = 600;

    /// <summary>Requests one key may make at once above the sustained rate.</summary>
    [Range(1, 100_000)]
    public int Burst { get; set; } = 60;
}
