using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire70B.TestSupport;

namespace Aspire70B.ApiService.Tests.Integration;

/// <summary>
/// <c>Backend:UpstreamStreaming=WhenClientStreams</c> through the gateway with the Simulator over real HTTP: a request
/// the client does not stream is asked for in one piece, and what the client gets does not change; what does change
/// (the first-token timeout no longer applies to it) is pinned down too.
/// </summary>
[Collection(GatewayTests.Name)]
public sealed partial class UpstreamStreamingTests(GatewayFixture fixture)
{
    private static readonly Dictionary<string, string> WhenClientStreams = new() { ["Backend__UpstreamStreaming"] = "WhenClientStreams" };

    // A scripted answer far longer than any max_tokens here: the model cannot end it early by sampling an end of turn.
    private static readonly (string, string) Long = ("X-Sim-Completion", string.Join(' ', Enumerable.Repeat("word", 3000)));

    private static string Chat(string extra, int maxTokens = 24) =>
        $$"""{"model":"{{GatewayFixture.Model}}","messages":[{"role":"user","content":"Tell me about {{Guid.NewGuid():N}}"}],"max_tokens":{{maxTokens}}{{extra}}}""";

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(ServiceProcess gateway, string json, (string Name, string Value)[] headers, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.BaseAddress, "v1/chat/completions"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await fixture.Http.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    // Ids and timestamps are made per response; everything else must match byte for byte.
    private static string WithoutIdentity(string body) => Created().Replace(Id().Replace(body, "\"id\":\"…\""), "\"created\":…");

    [GeneratedRegex("\"id\":\"[^\"]*\"")]
    private static partial Regex Id();

    [GeneratedRegex("\"created\":[0-9]+")]
    private static partial Regex Created();

    [Fact]
    public async Task TheClientGetsTheSameBytesAsFromAStreamedCall()
    {
        (string Extra, string? Completion)[] requests =
        [
            (""","temperature":0""", null),
            (""","temperature":0.9,"seed":7,"n":2""", null),
            (""","temperature":0,"stop":["three"]""", "one two three four five"),
            (""","temperature":0,"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""",
                """{"name": "get_weather", "parameters": {"city": "Oslo"}}"""),
            (""","temperature":0,"response_format":{"type":"json_object"}""", null),
        ];
        await using var streamed = await GatewayFixture.StartGatewayAsync(fixture.Simulator, cache: null);
        await using var whole = await GatewayFixture.StartGatewayAsync(fixture.Simulator, cache: null, WhenClientStreams);

        foreach (var (extra, completion) in requests)
        {
            var body = Chat(extra);
            (string, string)[] headers = completion is null ? [] : [("X-Sim-Completion", completion)];
            var (expectedStatus, expected) = await PostAsync(streamed, body, headers);
            var (status, actual) = await PostAsync(whole, body, headers);

            Assert.Equal(HttpStatusCode.OK, expectedStatus);
            Assert.Equal(expectedStatus, status);
            Assert.Equal(WithoutIdentity(expected), WithoutIdentity(actual));
        }
    }

    [Fact]
    public async Task TheFirstTokenTimeoutGuardsStreamedRequestsOnlyAndTheDeadlineStillCutsAWholeAnswer()
    {
        var timeouts = new Dictionary<string, string>(WhenClientStreams) { ["Backend__FirstTokenTimeout"] = "00:00:00.500" };
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.SlowSimulator, cache: null, timeouts);
        (string, string)[] late = [("X-Sim-Delay-Ms", "2000"), Long];

        // Four first-token timeouts before the first token: a client that streams is told at once, one that does not waits.
        var (streamStatus, streamBody) = await PostAsync(gateway, Chat(""","temperature":0.7,"stream":true"""), late);
        var (status, body) = await PostAsync(gateway, Chat(""","temperature":0.7"""), late);

        Assert.Equal(HttpStatusCode.GatewayTimeout, streamStatus);
        Assert.Equal("timeout", JsonDocument.Parse(streamBody).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("length", JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        // Past Backend:TotalTimeout (200 tokens at ~0.5 s each): 504.
        await using var simulator = await GatewayFixture.StartSimulatorAsync(timeScale: "20");
        await using var deadline = await GatewayFixture.StartGatewayAsync(simulator, cache: null, new Dictionary<string, string>(WhenClientStreams)
        {
            ["Backend__TotalTimeout"] = "00:00:01.500",
        });
        var (cutStatus, cutBody) = await PostAsync(deadline, Chat(""","temperature":0.7""", maxTokens: 200), [Long]);

        Assert.Equal(HttpStatusCode.GatewayTimeout, cutStatus);
        Assert.Equal("timeout", JsonDocument.Parse(cutBody).RootElement.GetProperty("error").GetProperty("code").GetString());
        // Whether the Simulator had admitted it before the cut depends on the machine's load; that an abort reaches it is
        // AClientThatGoesAwayAbortsTheWholeAnswersGeneration's to show. Here: nothing ran to its end.
        Assert.Equal(0, await fixture.SimulatorFinishedAsync(simulator));
    }

    [Fact]
    public async Task AClientThatGoesAwayAbortsTheWholeAnswersGeneration()
    {
        await using var simulator = await GatewayFixture.StartSimulatorAsync(timeScale: "1");
        await using var gateway = await GatewayFixture.StartGatewayAsync(simulator, cache: null, WhenClientStreams);
        using var client = new CancellationTokenSource();

        // ~2,000 tokens at the profile's decode rate: it runs for a long while unless aborted.
        var call = PostAsync(gateway, Chat(""","temperature":0.7""", maxTokens: 2000), [Long], client.Token);
        await GatewayFixture.WaitForAsync(async () => await fixture.SimulatorRunningAsync(simulator) >= 1);
        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await GatewayFixture.WaitForAsync(async () => (await fixture.SimulatorRequestsAsync(simulator)).GetValueOrDefault("abort") >= 1);
        await GatewayFixture.WaitForAsync(async () => await fixture.SimulatorRunningAsync(simulator) == 0);
        Assert.Equal(0, await fixture.SimulatorFinishedAsync(simulator));
    }
}
