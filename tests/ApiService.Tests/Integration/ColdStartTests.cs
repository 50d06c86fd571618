using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.TestSupport;

namespace Aspire70B.ApiService.Tests.Integration;

/// <summary>
/// A chat that arrives while a Modal deployment cold-starts, end to end over loopback: the Simulator answering as a
/// Modal endpoint (proxy auth, a cold start, and Modal's 303 for a request held past its 150 s response-start limit,
/// scaled by the time scale) and the gateway in front of it with the Modal token.
/// </summary>
[Collection(GatewayTests.Name)]
public sealed class ColdStartTests(GatewayFixture fixture)
{
    private const string ModalKey = "wk-cold";
    private const string ModalSecret = "ws-cold";

    // Time scale 0.01: Modal's 150 s limit becomes 1.5 s.
    private static Task<ServiceProcess> ModalEndpointAsync(int coldStartSeconds) => ServiceProcess.StartUntilOutputAsync(
        "Simulator",
        ["--profile", SystemProcesses.Profile, "--time-scale", "0.01", "--seed", "0", "--modal-proxy-key", ModalKey, "--modal-proxy-secret", ModalSecret,
         "--modal-cold-start", coldStartSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        new Dictionary<string, string>(),
        "Now listening on");

    private static Task<ServiceProcess> GatewayAsync(ServiceProcess endpoint, IDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__model"] = $"Endpoint={endpoint.BaseAddress};Model={SystemProcesses.Model};ModalKey={ModalKey};ModalSecret={ModalSecret}",
            ["Backend__ColdStartRetryDelay"] = "00:00:00.100",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return SystemProcesses.StartGatewayAsync(endpoint, cache: null, environment);
    }

    private async Task<(HttpStatusCode Status, string Body, string? RetryAfter)> ChatAsync(ServiceProcess gateway)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.BaseAddress, "v1/chat/completions"))
        {
            Content = new StringContent(
                $$"""{"model":"{{SystemProcesses.Model}}","messages":[{"role":"user","content":"Hello"}],"max_tokens":4}""", Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task AChatDuringAColdStartIsHeldThroughModalsRedirectsUntilTheModelAnswers()
    {
        // 40 s of cold start from the endpoint's start: the gateway starts well within it (10x slack over a few seconds),
        // so its chat meets at least one 303, and it ends long before the gateway's 10-minute deadline.
        await using var endpoint = await ModalEndpointAsync(coldStartSeconds: 40);
        await using var gateway = await GatewayAsync(endpoint);

        var (status, body, _) = await ChatAsync(gateway);

        Assert.True(status == HttpStatusCode.OK, body + gateway.Output);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(SystemProcesses.Model, json.RootElement.GetProperty("model").GetString());
        Assert.Contains("Model server is cold-starting (Modal answered 303 after holding the request (its 150 s limit) while the model starts); cold-start attempt 1,", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("answered 303 to its result URL", endpoint.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AColdStartPastTheRequestsDeadlineIsAn503WithRetryAfterInOpenAIsShape()
    {
        await using var endpoint = await ModalEndpointAsync(coldStartSeconds: 3600);
        await using var gateway = await GatewayAsync(endpoint, new Dictionary<string, string> { ["Backend__TotalTimeout"] = "00:00:03" });

        var (status, body, retryAfter) = await ChatAsync(gateway);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("30", retryAfter);
        Assert.Equal(
            """{"error":{"message":"The model is still starting (cold start); retry after 30 s.","type":"server_error","param":null,"code":"service_unavailable"}}""",
            body);
        Assert.Contains("Model server still cold-starting after", gateway.Output, StringComparison.Ordinal);
    }
}
