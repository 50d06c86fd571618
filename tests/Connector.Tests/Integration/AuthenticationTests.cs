using System.Net;
using System.Security.Cryptography;
using System.Text;
using Aspire70B.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>A gateway with API keys and a tight rate limit: the connection string's key authenticates, a wrong one is 401, the limit is 429.</summary>
[Collection(ConnectorTests.Name)]
public sealed class AuthenticationTests(ConnectorFixture fixture)
{
    [Fact]
    public async Task TheConnectionStringKeyAuthenticatesAWrongKeyIs401AndTheRateLimitIs429WithRetryAfter()
    {
        await using var gateway = await SystemProcesses.StartGatewayAsync(fixture.Simulator, cache: null, new Dictionary<string, string>
        {
            ["Auth__ApiKeys__0__Name"] = "team-a",
            ["Auth__ApiKeys__0__Hash"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("sk-team-a"))),
            ["RateLimit__PermitsPerMinute"] = "1",
            ["RateLimit__Burst"] = "2",
        });
        IChatClient Connect(string key) => Aspire70BChatClientFactory.Create(
            new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("ConnectionStrings:apiservice", (string?)$"Endpoint={gateway.BaseAddress};Key={key}")]).Build());
        var options = new ChatOptions { MaxOutputTokens = 2 };

        using var wrong = Connect("sk-wrong");
        var refused = await Assert.ThrowsAsync<Aspire70BException>(() => wrong.GetResponseAsync("Hi", options));
        using var right = Connect("sk-team-a");
        var first = await right.GetResponseAsync("Hi", options);
        var second = await right.GetResponseAsync("Hi", options);
        var limited = await Assert.ThrowsAsync<Aspire70BException>(() => right.GetResponseAsync("Hi", options));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("invalid_api_key", refused.ErrorCode);
        Assert.Equal(ChatFinishReason.Length, first.FinishReason);
        Assert.Equal(ChatFinishReason.Length, second.FinishReason);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limit_exceeded", limited.ErrorCode);
        Assert.Equal("rate_limit_error", limited.ErrorType);
        Assert.InRange(limited.RetryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.StartsWith("Rate limit reached for this API key. Retry after ", limited.Message, StringComparison.Ordinal);
    }
}
