using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;

namespace Aspire70B.ApiService.Security;

/// <summary>One client's key, stored as a SHA-256 digest so configuration never holds the key itself.</summary>
internal sealed class ApiKeyEntry
{
    /// <summary>Who the key belongs to; the cache and the rate limiter partition by it.</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary><c>sha256:</c> followed by the hex digest of the key's UTF-8 bytes.</summary>
    [Required]
    [RegularExpression("^sha256:[0-9a-fA-F]{64}$", ErrorMessage = "An API key hash is 'sha256:' and 64 hex digits.")]
    public string Hash { get; set; } = "";

    public static string HashOf(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>The gateway's clients. Bound from <c>Auth</c>. With no keys the gateway serves loopback callers only.</summary>
internal sealed class ApiKeyOptions
{
    public const string Section = "Auth";

    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    public bool Open => ApiKeys.Count == 0;
}
