using System.ComponentModel.DataAnnotations;
using Aspire70B.Serving.Templates;

namespace Aspire70B.ApiService.Chat;

/// <summary>The gateway's own settings. Bound from <c>Gateway</c>.</summary>
internal sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The deployment profile served (see <c>dotnet run --project Cli -- profiles</c>).</summary>
    [Required]
    public string Profile { get; set; } = Serving.Profiles.DeploymentProfiles.Default.Name;

    /// <summary><c>max_tokens</c> when a request gives none (capped by what the context leaves).</summary>
    [Range(1, 1_000_000)]
    public int DefaultMaxTokens { get; set; } = 1024;

    /// <summary>Larger request bodies get 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>What to do with request text that spells a special token.</summary>
    public SpecialTokenPolicy SpecialTokens { get; set; } = SpecialTokenPolicy.Reject;
}
