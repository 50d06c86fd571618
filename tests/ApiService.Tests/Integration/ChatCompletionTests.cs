using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.TestSupport;
using OpenAI.Chat;

namespace Aspire70B.ApiService.Tests.Integration;

/// <summary>The gateway over real HTTP, driven by the official OpenAI .NET SDK, with the Simulator and redis-server behind it.</summary>
[Collection(GatewayTests.Name)]
public sealed class ChatCompletionTests(GatewayFixture fixture)
{
    private static ChatCompletionOptions Deterministic(int maxTokens = 12) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    private static string Unique(string text) => $"{text} #{Guid.NewGuid():N}";

    private Task<HttpResponseMessage> PostAsync(string json, params (string Name, string Value)[] headers) => PostAsync(fixture.Gateway, json, headers);

    private async Task<HttpResponseMessage> PostAsync(ServiceProcess gateway, string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.BaseAddress, "v1/chat/completions"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static string Body(string content, bool stream = false, string extra = "") =>
        $$"""{"model":"{{GatewayFixture.Model}}","messages":[{"role":"user","content":{{JsonSerializer.Serialize(content)}}}],"temperature":0,"max_tokens":8,"stream":{{(stream ? "true" : "false")}}{{extra}}}""";

    [Fact]
    public async Task ThePlainSdkConversationGetsTheModelsAnswerAndUsage()
    {
        var client = fixture.ChatClient(("X-Sim-Completion", "Bonjour, Paris!"));

        ChatCompletion completion = await client.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage(Unique("Greet me"))], Deterministic());

        Assert.Equal("Bonjour, Paris!", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(GatewayFixture.Model, completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.True(completion.Usage.InputTokenCount > 20, $"{completion.Usage.InputTokenCount} prompt tokens");
        Assert.True(completion.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task StreamingThroughTheSdkDeliversTheSameTextAsAPlainCall()
    {
        var client = fixture.ChatClient(("X-Sim-Completion", "one two three four five"));
        var prompt = Unique("Count");

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(prompt)], Deterministic(32)))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("one two three four five", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public async Task AToolCallRoundTripsThroughTheSdk()
    {
        var tool = ChatTool.CreateFunctionTool("get_weather", "Current weather in a city",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var options = Deterministic(64);
        options.Tools.Add(tool);
        var client = fixture.ChatClient(("X-Sim-Completion", """{"name": "get_weather", "parameters": {"city": "Paris"}}"""));
        List<ChatMessage> messages = [new UserChatMessage(Unique("Weather in Paris?"))];

        ChatCompletion call = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, call.FinishReason);
        var toolCall = Assert.Single(call.ToolCalls);
        Assert.Equal("get_weather", toolCall.FunctionName);
        Assert.Equal("""{"city":"Paris"}""", toolCall.FunctionArguments.ToString());
        Assert.StartsWith("call_", toolCall.Id, StringComparison.Ordinal);

        messages.Add(new AssistantChatMessage(call));
        messages.Add(new ToolChatMessage(toolCall.Id, """{"temperature_c": 18}"""));
        var answer = fixture.ChatClient(("X-Sim-Completion", "It is 18 degrees in Paris."));
        ChatCompletion final = await answer.CompleteChatAsync(messages, options);

        Assert.Equal("It is 18 degrees in Paris.", final.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, final.FinishReason);
    }

    [Fact]
    public async Task AStreamedToolCallArrivesAsToolCallUpdates()
    {
        var options = Deterministic(64);
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")));
        var client = fixture.ChatClient(("X-Sim-Completion", """{"name": "get_weather", "parameters": {"city": "Oslo"}}"""));

        var names = new List<string>();
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(Unique("Oslo?"))], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (call.FunctionName is { } name)
                {
                    names.Add(name);
                }

                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(["get_weather"], names);
        Assert.Equal("""{"city":"Oslo"}""", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task ADeterministicRequestIsAMissThenAHitInEitherModeAndTheHitNeverReachesTheModel()
    {
        var body = Body(Unique("cache me"));
        using var miss = await PostAsync(body);
        var missJson = await miss.Content.ReadAsStringAsync();
        var before = await fixture.SimulatorFinishedAsync();

        using var hit = await PostAsync(body);
        var hitJson = await hit.Content.ReadAsStringAsync();
        using var streamedHit = await PostAsync(body.Replace("\"stream\":false", "\"stream\":true", StringComparison.Ordinal));
        var sse = await streamedHit.Content.ReadAsStringAsync();

        Assert.Equal("miss", miss.Headers.GetValues("x-cache").Single());
        Assert.Equal("hit", hit.Headers.GetValues("x-cache").Single());
        Assert.Equal("hit", streamedHit.Headers.GetValues("x-cache").Single());
        Assert.Equal(before, await fixture.SimulatorFinishedAsync());
        using var a = JsonDocument.Parse(missJson);
        using var b = JsonDocument.Parse(hitJson);
        var content = a.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal(content, b.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(a.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), b.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(b.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), b.RootElement.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(content, StreamedText(sse));
        Assert.EndsWith("data: [DONE]\n\n", sse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CacheControlSkipsTheReadOrTheWriteAndSampledRequestsBypass()
    {
        var body = Body(Unique("control"));
        using var first = await PostAsync(body, ("Cache-Control", "no-store"));
        using var second = await PostAsync(body);
        using var third = await PostAsync(body, ("Cache-Control", "no-cache"));
        using var sampled = await PostAsync(Body(Unique("sampled")).Replace("\"temperature\":0", "\"temperature\":0.7", StringComparison.Ordinal));

        Assert.Equal("miss", first.Headers.GetValues("x-cache").Single());
        Assert.Equal("miss", second.Headers.GetValues("x-cache").Single());
        Assert.Equal("miss", third.Headers.GetValues("x-cache").Single());
        Assert.Equal("bypass", sampled.Headers.GetValues("x-cache").Single());
        Assert.Equal(HttpStatusCode.OK, sampled.StatusCode);
    }

    [Fact]
    public async Task ConcurrentIdenticalRequestsMakeOneBackendRequest()
    {
        // Its own Simulator at time scale 1, behind a gateway with the cache: the shared one runs at time scale 0, where the
        // Simulator's injected delay is scaled to nothing, so the flight could end (and its answer be stored) between a late
        // request's cache lookup and its joining — two model calls, and this test failing under load. Here the model call
        // takes 4 s, so all eight requests overlap with it even on a loaded machine.
        await using var simulator = await GatewayFixture.StartSimulatorAsync(timeScale: "1");
        await using var gateway = await GatewayFixture.StartGatewayAsync(simulator, fixture.Redis.ConnectionString);
        var body = Body(Unique("together"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            PostAsync(gateway, i % 2 == 0 ? body : body.Replace("\"stream\":false", "\"stream\":true", StringComparison.Ordinal), ("X-Sim-Delay-Ms", "4000"))));
        var texts = new List<string>();
        foreach (var response in responses)
        {
            var text = await response.Content.ReadAsStringAsync();
            texts.Add(text.StartsWith("data:", StringComparison.Ordinal) ? StreamedText(text) : JsonDocument.Parse(text).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(1, await fixture.SimulatorFinishedAsync(simulator));
        Assert.Single(texts.Distinct());
    }

    [Fact]
    public async Task ClientDisconnectAbortsTheBackendRequest()
    {
        var before = (await fixture.SimulatorRequestsAsync(fixture.SlowSimulator)).GetValueOrDefault("abort");
        var body = $$"""{"messages":[{"role":"user","content":"{{Unique("long")}}"}],"temperature":0.9,"max_tokens":2000,"stream":true}""";
        // A client that hangs up: no draining of the rest of the response, the connection is simply closed.
        using (var http = new HttpClient(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.Zero, MaxResponseDrainSize = 0 }))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.SlowGateway.BaseAddress, "v1/chat/completions"))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            // A scripted answer of ~600 tokens: about 15 s at the profile's speed, so it is surely still running.
            request.Headers.Add("X-Sim-Completion", string.Join(' ', Enumerable.Repeat("word", 600)));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer) > 0);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await fixture.SimulatorRequestsAsync(fixture.SlowSimulator)).GetValueOrDefault("abort") <= before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // At least ours: other tests on the real-time Simulator (a dropped stream) may count an abort too.
        Assert.True((await fixture.SimulatorRequestsAsync(fixture.SlowSimulator)).GetValueOrDefault("abort") >= before + 1);
    }

    [Fact]
    public async Task AnUpstreamThatDropsMidStreamEndsWithAnErrorEventNotADone()
    {
        // In real time, so the first tokens are surely out before the model server drops the connection.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.SlowGateway.BaseAddress, "v1/chat/completions"))
        {
            Content = new StringContent(Body(Unique("drop"), stream: true).Replace("\"max_tokens\":8", "\"max_tokens\":50", StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Sim-Drop-After-Tokens", "3");
        request.Headers.Add("X-Sim-Completion", "a b c d e f g h i j k l m n o p");
        using var response = await fixture.Http.SendAsync(request);
        var sse = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("data: {\"id\":\"chatcmpl-", sse, StringComparison.Ordinal);
        var last = sse.TrimEnd('\n').Split("\n\n")[^1];
        Assert.StartsWith("data: {\"error\":{\"message\":\"The model server failed mid-response", last, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", sse, StringComparison.Ordinal);
        Assert.DoesNotContain("\"finish_reason\":\"stop\"", sse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamCutMidwayIsNotCachedAndAFinishedStreamServesAPlainRequest()
    {
        var streamed = Body(Unique("store only what finished"), stream: true);

        using var cut = await PostAsync(streamed, ("X-Sim-Drop-After-Tokens", "3"));
        var cutSse = await cut.Content.ReadAsStringAsync();
        using var again = await PostAsync(streamed);
        var againSse = await again.Content.ReadAsStringAsync();
        using var plain = await PostAsync(streamed.Replace("\"stream\":true", "\"stream\":false", StringComparison.Ordinal));
        using var plainJson = JsonDocument.Parse(await plain.Content.ReadAsStringAsync());

        Assert.Equal("miss", cut.Headers.GetValues("x-cache").Single());
        Assert.DoesNotContain("data: [DONE]", cutSse, StringComparison.Ordinal);
        Assert.Contains("\"error\"", cutSse, StringComparison.Ordinal);
        // The cut answer was not stored: the same request goes to the model again, and this time finishes.
        Assert.Equal("miss", again.Headers.GetValues("x-cache").Single());
        Assert.EndsWith("data: [DONE]\n\n", againSse, StringComparison.Ordinal);
        Assert.Equal("hit", plain.Headers.GetValues("x-cache").Single());
        Assert.Equal(StreamedText(againSse), plainJson.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task AStreamIsMarkedAsAnUnbufferedEventStreamForProxies()
    {
        using var response = await PostAsync(Body(Unique("headers"), stream: true));
        await response.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
    }

    [Fact]
    public async Task TheFirstChunkReachesTheClientBeforeTheBackendHasFinished()
    {
        var client = GatewayFixture.ChatClient(fixture.SlowGateway, "unused");
        var started = DateTime.UtcNow;
        TimeSpan? first = null;
        var updates = 0;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Tell me a story")], new ChatCompletionOptions { Temperature = 0.5f, MaxOutputTokenCount = 40 }))
        {
            if (update.ContentUpdate.Count > 0 && update.ContentUpdate[0].Text.Length > 0)
            {
                first ??= DateTime.UtcNow - started;
                updates++;
            }
        }

        var total = DateTime.UtcNow - started;
        Assert.True(updates > 10, $"{updates} content updates");
        Assert.NotNull(first);
        // At ~40 tok/s the 40 tokens take about a second; the first must arrive long before the last.
        Assert.True(first < total * 0.5, $"first chunk after {first!.Value.TotalMilliseconds:0} ms of {total.TotalMilliseconds:0} ms");
    }

    private static string StreamedText(string sse)
    {
        var text = new StringBuilder();
        foreach (var line in sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var payload = line["data: ".Length..];
            if (payload == "[DONE]")
            {
                break;
            }

            using var chunk = JsonDocument.Parse(payload);
            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.GetProperty("delta").TryGetProperty("content", out var content))
                {
                    text.Append(content.GetString());
                }
            }
        }

        return text.ToString();
    }
}
