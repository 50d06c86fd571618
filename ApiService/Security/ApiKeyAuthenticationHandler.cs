using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Aspire70B.ApiService.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Security;

/// <summary>
/// <c>Authorization: Bearer KEY</c> against the configured key digests, compared in constant time. With no keys
/// configured every loopback caller is let in as the tenant "local" and anyone else is refused. A refusal is
/// OpenAI's 401 error object.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<ApiKeyOptions> keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string LocalTenant = "local";

    private readonly List<(string Name, byte[] Digest)> _digests =
        [.. keys.Value.ApiKeys.Select(k => (k.Name, Convert.FromHexString(k.Hash["sha256:".Length..])))];

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (_digests.Count == 0)
        {
            return Task.FromResult(Context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
                ? Success(LocalTenant)
                : AuthenticateResult.Fail("No API keys are configured; only loopback callers are served."));
        }

        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return Task.FromResult(AuthenticateResult.Fail("Missing bearer token."));
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim()));
        string? tenant = null;
        foreach (var (name, digest) in _digests)
        {
            // Compare with every key, so the time taken does not tell which one nearly matched.
            if (CryptographicOperations.FixedTimeEquals(presented, digest))
            {
                tenant ??= name;
            }
        }

        return Task.FromResult(tenant is null ? AuthenticateResult.Fail("Unknown API key.") : Success(tenant));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        OpenAIErrorResult.WriteAsync(
            Response,
            OpenAIError.Unauthorized(_digests.Count == 0
                ? "This gateway has no API keys configured and serves loopback callers only."
                : "Incorrect or missing API key. Send it as 'Authorization: Bearer <key>'."),
            null,
            Context.RequestAborted);

    private static AuthenticateResult Success(string tenant)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, tenant)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
