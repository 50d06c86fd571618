using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.TestSupport;

namespace Aspire70B.ApiService.Tests.Integration;

/// <summary>
/// The model server failing in each way the gateway guards against, through the gateway with the Simulator over real
/// HTTP: no first token in time, a gap mid-stream, a completion past the total time, a dead server, an open breaker.
/// </summary>
[Collection(GatewayTests.Name)]
public sealed class BackendFailureTests(GatewayFixture fixture)
{
    private static string Chat(bool stream, int maxTokens = 40) =>
        $$"""{"model":"{{GatewayFixture.Model}}","messages":[{"role":"user","content":"Tell me about {{Guid.NewGuid():N}}"}],"temperature":0.7,"max_tokens":{{maxTokens}},"stream":{{(stream ? "true" : "false")}}}""";

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(ServiceProcess gateway, string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.BaseAddress, "v1/chat/completions"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await fixture.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static JsonElement Error(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();

    [Fact]
    public async Task NoFirstTokenInTimeIs504AndTheModelServerSeesTheAbortOnce()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.SlowSimulator, cache: null, new Dictionary<string, string>
        {
            ["Backend__FirstTokenTimeout"] = "00:00:00.500",
        });
        var before = await fixture.SimulatorRequestsAsync(fixture.SlowSimulator);

        var (status, body, response) = await PostAsync(gateway, Chat(stream: false), ("X-Sim-Delay-Ms", "5000"));
        response.Dispose();

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.Equal("The model server did not answer in time.", Error(body).GetProperty("message").GetString());
        Assert.Equal("timeout", Error(body).GetProperty("code").GetString());
        // Not retried: one request reached the model server, and it was aborted.
        await GatewayFixture.WaitForAsync(async () => (await fixture.SimulatorRequestsAsync(fixture.SlowSimulator)).GetValueOrDefault("abort") - before.GetValueOrDefault("abort") >= 1);
        await Task.Delay(300);
        Assert.Equal(1, (await fixture.SimulatorRequestsAsync(fixture.SlowSimulator)).GetValueOrDefault("abort") - before.GetValueOrDefault("abort"));
    }

    [Fact]
    public async Task AGapMidStreamEndsTheStreamWithATimeoutErrorEventNotADone()
    {
        // Time scale 20: ~0.5 s between tokens, against an idle timeout of 0.15 s once output flows.
        await using var simulator = await GatewayFixture.StartSimulatorAsync(timeScale: "20");
        await using var gateway = await GatewayFixture.StartGatewayAsync(simulator, cache: null, new Dictionary<string, string>
        {
            ["Backend__FirstTokenTimeout"] = "00:00:10",
            ["Backend__IdleTimeout"] = "00:00:00.150",
        });

        var (status, body, response) = await PostAsync(gateway, Chat(stream: true));
        response.Dispose();

        Assert.Equal(HttpStatusCode.OK, status);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("data: {\"id\":\"chatcmpl-", events[0], StringComparison.Ordinal);
        Assert.Equal("timeout", Error(events[^1]["data: ".Length..]).GetProperty("code").GetString());
        Assert.DoesNotContain("data: [DONE]", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACompletionPastTheTotalTimeIsCutWith504()
    {
        await using var simulator = await GatewayFixture.StartSimulatorAsync(timeScale: "20");
        await using var gateway = await GatewayFixture.StartGatewayAsync(simulator, cache: null, new Dictionary<string, string>
        {
            ["Backend__FirstTokenTimeout"] = "00:00:10",
            ["Backend__IdleTimeout"] = "00:00:10",
            ["Backend__TotalTimeout"] = "00:00:01.500",
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (status, body, response) = await PostAsync(gateway, Chat(stream: false, maxTokens: 200));
        response.Dispose();

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.Equal("timeout", Error(body).GetProperty("code").GetString());
        // 200 tokens at ~0.5 s each would take well over a minute.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"cut after {clock.Elapsed}");
    }

    [Fact]
    public async Task ADeadModelServerIs503WithRetryAfterOnceTheRetriesAreSpent()
    {
        await using var gateway = await ServiceProcess.StartAsync("ApiService", [], new Dictionary<string, string>
        {
            ["ConnectionStrings__model"] = $"Endpoint=http://127.0.0.1:1/;Model={GatewayFixture.Model}",
            ["Gateway__Profile"] = GatewayFixture.Profile,
            ["Backend__RetryDelay"] = "00:00:00.050",
        }, "alive");

        var (status, body, response) = await PostAsync(gateway, Chat(stream: true));
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }

        Assert.Equal("The model server is unavailable; retry shortly.", Error(body).GetProperty("message").GetString());
    }

    [Fact]
    public async Task AfterRepeatedFailuresTheBreakerFailsFastWithoutCallingTheModelServer()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Simulator, cache: null, new Dictionary<string, string>
        {
            ["Backend__BreakerFailureThreshold"] = "2",
            ["Backend__BreakerOpenDuration"] = "00:01:00",
            ["Backend__MaxRetries"] = "0",
        });

        for (var i = 0; i < 2; i++)
        {
            var (failed, _, failedResponse) = await PostAsync(gateway, Chat(stream: false), ("X-Sim-Fail-Status", "500"));
            failedResponse.Dispose();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed);
        }

        var before = await fixture.SimulatorFinishedAsync();
        var (status, body, response) = await PostAsync(gateway, Chat(stream: false));
        response.Dispose();

        // The model server is healthy again, but the open breaker does not call it.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("The model server is unavailable; retry shortly.", Error(body).GetProperty("message").GetString());
        Assert.Equal(before, await fixture.SimulatorFinishedAsync());
        using var direct = await fixture.Http.PostAsync(new Uri(fixture.Simulator.BaseAddress, "v1/completions"), new StringContent("""{"prompt":"Hi","max_tokens":1}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
    }
}
