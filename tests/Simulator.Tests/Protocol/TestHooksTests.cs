using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>Scripted completions and injected faults: honoured only when enabled at start.</summary>
public sealed class TestHooksTests : IClassFixture<TestHooksTests.Servers>
{
    private const string ToolCall = """{"name": "get_weather", "parameters": {"city": "Paris"}}""";
    private readonly Servers _servers;

    public TestHooksTests(Servers servers) => _servers = servers;

    [Fact]
    public async Task AScriptedCompletionLetsTheModelEmitAToolCall()
    {
        var (status, body, _) = await Http.PostAsync(_servers.Enabled.CreateClient(), "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"Weather in Paris?"}]}""",
            new Dictionary<string, string> { ["X-Sim-Completion"] = ToolCall });

        Assert.Equal(200, status);
        Assert.Equal(ToolCall, Json.Text(Json.Parse(body)));
        Assert.Equal("stop", Json.FinishReason(Json.Parse(body)));
    }

    [Fact]
    public async Task HooksAreIgnoredUnlessEnabled()
    {
        var headers = new Dictionary<string, string>
        {
            ["X-Sim-Completion"] = ToolCall,
            ["X-Sim-Fail-Status"] = "503",
            ["X-Sim-Drop-After-Tokens"] = "1",
        };

        var (status, body, _) = await Http.PostAsync(_servers.Disabled.CreateClient(), "/v1/completions", """{"prompt":"Plain echo","temperature":0}""", headers);

        Assert.Equal(200, status);
        Assert.Equal("Plain echo", Json.Text(Json.Parse(body)));
    }

    [Fact]
    public async Task AnInjectedStatusFailsTheRequestBeforeAnyWork()
    {
        var (status, body, _) = await Http.PostAsync(_servers.Enabled.CreateClient(), "/v1/completions", """{"prompt":"Hi"}""",
            new Dictionary<string, string> { ["X-Sim-Fail-Status"] = "503" });

        Assert.Equal(503, status);
        Assert.Equal("""{"error":{"message":"Simulated engine failure.","type":"ServiceUnavailableError","param":null,"code":503}}""", body);
    }

    [Fact]
    public async Task AFailureAfterTheStreamStartedIsOneErrorEventThenDone()
    {
        var (status, body, _) = await Http.PostAsync(_servers.Enabled.CreateClient(), "/v1/completions",
            """{"prompt":"one two three four five","stream":true,"temperature":0}""",
            new Dictionary<string, string> { ["X-Sim-Fail-After-Tokens"] = "2", ["X-Request-Id"] = "fail" });
        var events = Http.SseEvents(body);

        Assert.Equal(200, status);
        Assert.Equal(4, events.Count);
        Assert.Equal(["one", " two"], events[..2].Select(e => Json.Text(Json.Parse(e))));
        Assert.Equal("""{"error":{"message":"Simulated engine failure.","type":"InternalServerError","param":null,"code":500}}""", events[2]);
        Assert.Equal("[DONE]", events[3]);
    }

    [Fact]
    public async Task ADroppedConnectionEndsTheStreamWithoutDone()
    {
        var client = _servers.Enabled.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("""{"prompt":"one two three four five","stream":true,"temperature":0}"""),
        };
        request.Headers.Add("X-Sim-Drop-After-Tokens", "3");

        var received = string.Empty;
        var failed = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            received = await reader.ReadToEndAsync();
        });

        Assert.True(failed is not null || !received.Contains("[DONE]", StringComparison.Ordinal));
        Assert.DoesNotContain("[DONE]", received, StringComparison.Ordinal);
        Assert.DoesNotContain("\"four\"", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInjectedDelayIsScaledAwayAtTimeScaleZero()
    {
        var (status, body, _) = await Http.PostAsync(_servers.Enabled.CreateClient(), "/v1/completions", """{"prompt":"quick","temperature":0}""",
            new Dictionary<string, string> { ["X-Sim-Delay-Ms"] = "60000" });

        Assert.Equal(200, status);
        Assert.Equal("quick", Json.Text(Json.Parse(body)));
    }

    public sealed class Servers : IDisposable
    {
        public SimulatorFactory Enabled { get; } = new(new Dictionary<string, string?>
        {
            ["Simulator:EnableTestScripting"] = "true",
            ["Simulator:EnableFaultInjection"] = "true",
        });

        public SimulatorFactory Disabled { get; } = new();

        public void Dispose()
        {
            Enabled.Dispose();
            Disabled.Dispose();
        }
    }
}
