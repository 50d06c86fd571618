using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire70B.ApiService.Tests.Infrastructure;
using Aspire70B.TestSupport;
using Microsoft.AspNetCore.Http;

namespace Aspire70B.ApiService.Tests.Telemetry;

/// <summary>
/// The GenAI spans and metrics a chat leaves, read back from OpenTelemetry's in-memory exporter: every attribute,
/// exactly, for a chat that misses the cache, one that hits it, a streamed one, one that fails mid-stream, and — with
/// content capture on — the prompt and answer in the conventions' JSON, tool calls included.
/// </summary>
[Collection(TelemetryGatewayTests.Name)]
public sealed class GenAITelemetryTests(TelemetryGateway fixture)
{
    private const string Model = SystemProcesses.Model;

    [Fact]
    public async Task AChatThatMissesTheCacheIsAChatSpanOverATextCompletionSpanOverTheHttpCall()
    {
        await using var gateway = await fixture.StartAsync(captureContent: false);
        var body = Chat(Unique("Greet me"), maxTokens: 16, system: "Be brief.");

        var (response, answer) = await SendAsync(gateway, body, ("X-Sim-Completion", "Bonjour, Paris!"));

        Assert.Equal("miss", Header(response, "x-cache"));
        var (id, input, output) = Usage(answer);
        var chat = await gateway.ChatSpanAsync(id);
        Assert.Equal($"chat {Model}", chat.DisplayName);
        Assert.Equal(ActivityKind.Client, chat.Kind);
        Assert.Equal(ActivityStatusCode.Unset, chat.Status);
        Assert.Equal(
            Tags(("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "vllm"), ("gen_ai.request.model", Model),
                ("gen_ai.request.max_tokens", 16), ("gen_ai.request.temperature", 0.0), ("gen_ai.request.top_p", 0.5),
                ("aspire70b.prompt_cache.result", "miss"), ("aspire70b.model.replica", "model"), ("gen_ai.response.id", id), ("gen_ai.response.model", Model),
                ("gen_ai.response.finish_reasons", new[] { "stop" }), ("gen_ai.usage.input_tokens", input), ("gen_ai.usage.output_tokens", output)),
            TagsOf(chat));

        var completion = Assert.Single(await gateway.ChildrenAsync(chat, 1));
        Assert.Equal($"text_completion {Model}", completion.DisplayName);
        Assert.Equal(ActivityKind.Client, completion.Kind);
        var vllmId = Assert.IsType<string>(completion.GetTagItem("gen_ai.response.id"));
        Assert.StartsWith("cmpl-", vllmId, StringComparison.Ordinal);
        Assert.Equal(
            Tags(("gen_ai.operation.name", "text_completion"), ("gen_ai.provider.name", "vllm"), ("gen_ai.request.model", Model),
                ("gen_ai.request.max_tokens", 16), ("gen_ai.request.temperature", 0.0), ("gen_ai.request.top_p", 0.5),
                ("server.address", "127.0.0.1"), ("server.port", fixture.Simulator.Port), ("aspire70b.model.replica", "model"), ("gen_ai.response.id", vllmId),
                ("gen_ai.response.model", Model), ("gen_ai.response.finish_reasons", new[] { "stop" }),
                ("gen_ai.usage.input_tokens", input), ("gen_ai.usage.output_tokens", output)),
            TagsOf(completion));

        var http = Assert.Single(await gateway.ChildrenAsync(completion, 1));
        Assert.Equal("System.Net.Http", http.Source.Name);
        Assert.Equal($"{fixture.Simulator.BaseAddress}v1/completions", http.GetTagItem("url.full"));

        var points = gateway.Metrics();
        var common = Tags(("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "vllm"), ("gen_ai.request.model", Model),
            ("gen_ai.response.model", Model), ("aspire70b.prompt_cache.result", "miss"));
        Assert.Equal(
            [("gen_ai.client.operation.duration", "s", Show(common), 1L),
             ("gen_ai.client.token.usage", "{token}", Show(With(common, ("gen_ai.token.type", "input"))), 1L),
             ("gen_ai.client.token.usage", "{token}", Show(With(common, ("gen_ai.token.type", "output"))), 1L),
             ("gen_ai.server.time_per_output_token", "s", Show(common), 1L),
             ("gen_ai.server.time_to_first_token", "s", Show(common), 1L)],
            Histograms(points).Select(p => (p.Instrument, p.Unit, Show(p.Tags), p.Count)));
        Assert.Equal(input, Histograms(points).Single(p => Equals(p.Tags.GetValueOrDefault("gen_ai.token.type"), "input")).Sum);
        Assert.Equal(output, Histograms(points).Single(p => Equals(p.Tags.GetValueOrDefault("gen_ai.token.type"), "output")).Sum);
    }

    [Fact]
    public async Task ACacheHitIsAChatSpanWithoutAModelCallAndItsTokensAreCountedAsHits()
    {
        await using var gateway = await fixture.StartAsync(captureContent: false);
        var body = Chat(Unique("Cache me"), maxTokens: 16);
        var (_, first) = await SendAsync(gateway, body, ("X-Sim-Completion", "Cached words."));
        await gateway.ChatSpanAsync(Usage(first).Id);

        var (response, answer) = await SendAsync(gateway, body, ("X-Sim-Completion", "Cached words."));

        Assert.Equal("hit", Header(response, "x-cache"));
        var (id, input, output) = Usage(answer);
        Assert.Equal((Usage(first).Input, Usage(first).Output), (input, output));
        var chat = await gateway.ChatSpanAsync(id);
        Assert.Equal(
            Tags(("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "vllm"), ("gen_ai.request.model", Model),
                ("gen_ai.request.max_tokens", 16), ("gen_ai.request.temperature", 0.0), ("gen_ai.request.top_p", 0.5),
                ("aspire70b.prompt_cache.result", "hit"), ("gen_ai.response.id", id), ("gen_ai.response.model", Model),
                ("gen_ai.response.finish_reasons", new[] { "stop" }), ("gen_ai.usage.input_tokens", input), ("gen_ai.usage.output_tokens", output)),
            TagsOf(chat));
        Assert.DoesNotContain(gateway.Spans, s => s.ParentSpanId == chat.SpanId);

        var hits = Histograms(gateway.Metrics()).Where(p => Equals(p.Tags["aspire70b.prompt_cache.result"], "hit")).ToList();
        // A replay has no first token to time: duration and tokens only.
        Assert.Equal(
            [("gen_ai.client.operation.duration", "", 1L), ("gen_ai.client.token.usage", "input", 1L), ("gen_ai.client.token.usage", "output", 1L)],
            hits.Select(p => (p.Instrument, p.Tags.GetValueOrDefault("gen_ai.token.type") as string ?? "", p.Count)));
        Assert.Equal(new double[] { input, output }, hits.Skip(1).Select(p => p.Sum));
    }

    [Fact]
    public async Task AStreamedChatGetsItsResponseAttributesWhenTheStreamEnds()
    {
        await using var gateway = await fixture.StartAsync(captureContent: false);
        var body = Chat(Unique("Count"), maxTokens: 32, stream: true, temperature: 0.7);

        var (response, events) = await StreamAsync(gateway, body, ("X-Sim-Completion", "one two three four five"));

        Assert.Equal("bypass", Header(response, "x-cache"));
        var last = JsonNode.Parse(events[^1])!;
        var id = (string)last["id"]!;
        var input = (int)last["usage"]!["prompt_tokens"]!;
        var output = (int)last["usage"]!["completion_tokens"]!;
        var chat = await gateway.ChatSpanAsync(id);
        Assert.Equal(
            Tags(("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "vllm"), ("gen_ai.request.model", Model),
                ("gen_ai.request.max_tokens", 32), ("gen_ai.request.temperature", 0.7), ("gen_ai.request.top_p", 0.5),
                ("aspire70b.prompt_cache.result", "bypass"), ("aspire70b.model.replica", "model"), ("gen_ai.response.id", id), ("gen_ai.response.model", Model),
                ("gen_ai.response.finish_reasons", new[] { "stop" }), ("gen_ai.usage.input_tokens", input), ("gen_ai.usage.output_tokens", output)),
            TagsOf(chat));
        var completion = Assert.Single(await gateway.ChildrenAsync(chat, 1));
        Assert.Equal(output, completion.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(new[] { "gen_ai.server.time_to_first_token" }, Histograms(gateway.Metrics()).Where(p => p.Instrument.EndsWith("first_token", StringComparison.Ordinal)).Select(p => p.Instrument));
    }

    [Fact]
    public async Task AnAnswerAskedForInOnePieceRecordsNoTimeToFirstTokenWhileAStreamedOneDoes()
    {
        await using var gateway = await fixture.StartAsync(captureContent: false, new Dictionary<string, string> { ["Backend:UpstreamStreaming"] = "WhenClientStreams" });

        var (whole, answer) = await SendAsync(gateway, Chat(Unique("Whole"), maxTokens: 16, temperature: 0.7), ("X-Sim-Completion", "All at once."));
        await gateway.ChatSpanAsync(Usage(answer).Id);

        Assert.Equal("bypass", Header(whole, "x-cache"));
        // Duration and tokens only: the first token came with the last.
        Assert.Equal(["gen_ai.client.operation.duration", "gen_ai.client.token.usage", "gen_ai.client.token.usage"], Histograms(gateway.Metrics()).Select(p => p.Instrument));

        var (_, events) = await StreamAsync(gateway, Chat(Unique("Streamed"), maxTokens: 16, stream: true, temperature: 0.7), ("X-Sim-Completion", "one two three"));
        await gateway.ChatSpanAsync((string)JsonNode.Parse(events[^1])!["id"]!);

        Assert.Equal(1L, Histograms(gateway.Metrics()).Where(p => p.Instrument == "gen_ai.server.time_to_first_token").Sum(p => p.Count));
    }

    [Fact]
    public async Task ANonStreamedChatsTimeToFirstTokenIsItsFirstChunksNotItsLast()
    {
        // The model streams one chunk, then the rest 3 s later: the client, asking for JSON, sees nothing until the end,
        // but the first token's time is still when it came.
        await using var upstream = await ScriptedUpstream.StartAsync(healthy: true);
        upstream.Then(async context =>
        {
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            await context.Response.WriteAsync($"data: {ScriptedUpstream.Chunk("Hello")}\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
            await context.Response.WriteAsync($"data: {ScriptedUpstream.Chunk(" there", "stop")}\n\ndata: {ScriptedUpstream.Usage(9, 2)}\n\ndata: [DONE]\n\n");
        });
        await using var gateway = await fixture.StartAsync(captureContent: false,
            new Dictionary<string, string> { ["ConnectionStrings:model"] = $"Endpoint={upstream.Endpoint};Model={Model}" });

        var (_, answer) = await SendAsync(gateway, Chat(Unique("Slow"), maxTokens: 16, temperature: 0.7));
        await gateway.ChatSpanAsync(Usage(answer).Id);

        var points = Histograms(gateway.Metrics()).ToList();
        var ttft = points.Single(p => p.Instrument == "gen_ai.server.time_to_first_token").Sum;
        var duration = points.Single(p => p.Instrument == "gen_ai.client.operation.duration").Sum;
        // At least the 3 s between the chunks apart (half of it, for a loaded machine): the first chunk's time, not the last's.
        Assert.True(ttft < duration - 1.5, $"time to first token {ttft:0.000} s, duration {duration:0.000} s");
    }

    [Fact]
    public async Task AStreamThatBreaksOffEndsBothSpansInErrorAndCountsNoTokens()
    {
        await using var gateway = await fixture.StartAsync(captureContent: true);
        var body = Chat(Unique("Fail me"), maxTokens: 32, stream: true);

        var (_, events) = await StreamAsync(gateway, body, ("X-Sim-Fail-Status", "500"), ("X-Sim-Fail-After-Tokens", "2"));

        var id = (string)JsonNode.Parse(events[0])!["id"]!;
        Assert.Contains(events, e => e.Contains("\"error\"", StringComparison.Ordinal));
        var chat = await gateway.ChatSpanAsync(id);
        Assert.Equal(ActivityStatusCode.Error, chat.Status);
        Assert.Equal("Broken", chat.StatusDescription);
        Assert.Equal(
            Tags(("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "vllm"), ("gen_ai.request.model", Model),
                ("gen_ai.request.max_tokens", 32), ("gen_ai.request.temperature", 0.0), ("gen_ai.request.top_p", 0.5),
                ("gen_ai.input.messages", null), ("gen_ai.output.messages", null),
                ("aspire70b.prompt_cache.result", "miss"), ("aspire70b.model.replica", "model"), ("gen_ai.response.id", id), ("error.type", "Broken")),
            TagsOf(chat, keepContentNames: true));
        var completion = Assert.Single(await gateway.ChildrenAsync(chat, 1));
        Assert.Equal(ActivityStatusCode.Error, completion.Status);
        Assert.Equal("Broken", completion.GetTagItem("error.type"));
        Assert.Null(completion.GetTagItem("gen_ai.usage.output_tokens"));

        var points = Histograms(gateway.Metrics());
        var duration = Assert.Single(points);
        Assert.Equal("gen_ai.client.operation.duration", duration.Instrument);
        Assert.Equal(
            Show(Tags(("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "vllm"), ("gen_ai.request.model", Model),
                ("aspire70b.prompt_cache.result", "miss"), ("error.type", "Broken"))),
            Show(duration.Tags));
    }

    [Fact]
    public async Task WithoutContentCaptureNoPromptOrAnswerIsRecorded()
    {
        await using var gateway = await fixture.StartAsync(captureContent: false);
        var (_, answer) = await SendAsync(gateway, Chat(Unique("Secret"), maxTokens: 16, system: "Be secret."), ("X-Sim-Completion", "Hidden."));

        var chat = await gateway.ChatSpanAsync(Usage(answer).Id);
        var completion = Assert.Single(await gateway.ChildrenAsync(chat, 1));
        foreach (var span in new[] { chat, completion })
        {
            Assert.DoesNotContain(span.TagObjects, t => t.Key is "gen_ai.system_instructions" or "gen_ai.input.messages" or "gen_ai.output.messages");
            Assert.DoesNotContain(span.TagObjects, t => t.Value is string s && (s.Contains("Secret", StringComparison.Ordinal) || s.Contains("Hidden", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task WithContentCaptureThePromptAndAnswerAreRecordedInTheConventionsJson()
    {
        await using var gateway = await fixture.StartAsync(captureContent: true);
        var question = Unique("Greet me in French");
        var body = Chat(question, maxTokens: 16, system: "Be brief.");

        var (_, answer) = await SendAsync(gateway, body, ("X-Sim-Completion", "Bonjour, Paris!"));

        var chat = await gateway.ChatSpanAsync(Usage(answer).Id);
        Assert.Equal("""[{"type":"text","content":"Be brief."}]""", chat.GetTagItem("gen_ai.system_instructions"));
        Assert.Equal($$"""[{"role":"user","parts":[{"type":"text","content":"{{question}}"}]}]""", chat.GetTagItem("gen_ai.input.messages"));
        Assert.Equal("""[{"role":"assistant","parts":[{"type":"text","content":"Bonjour, Paris!"}],"finish_reason":"stop"}]""", chat.GetTagItem("gen_ai.output.messages"));

        // One level down, the model server's view: the exact prompt the template rendered, and the raw text.
        var completion = Assert.Single(await gateway.ChildrenAsync(chat, 1));
        using var rendered = await gateway.Client.PostAsync("/v1/chat/completions/render", Json(body));
        var prompt = (string)JsonNode.Parse(await rendered.Content.ReadAsStringAsync())!["prompt"]!;
        Assert.Equal(new JsonArray(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["type"] = "text", ["content"] = prompt }) }).ToJsonString(),
            JsonNode.Parse((string)completion.GetTagItem("gen_ai.input.messages")!)!.ToJsonString());
        Assert.Equal("""[{"role":"assistant","parts":[{"type":"text","content":"Bonjour, Paris!"}],"finish_reason":"stop"}]""", completion.GetTagItem("gen_ai.output.messages"));
        Assert.Null(completion.GetTagItem("gen_ai.system_instructions"));
    }

    [Fact]
    public async Task AToolCallAndItsResultAreRecordedAsToolCallParts()
    {
        await using var gateway = await fixture.StartAsync(captureContent: true);
        var question = Unique("Weather in Paris?");
        var tools = JsonNode.Parse("""[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""")!;
        var ask = new JsonObject
        {
            ["model"] = Model, ["max_tokens"] = 64, ["temperature"] = 0, ["top_p"] = 0.5, ["tools"] = tools.DeepClone(),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = question }),
        };

        var (_, call) = await SendAsync(gateway, ask, ("X-Sim-Completion", """{"name": "get_weather", "parameters": {"city": "Paris"}}"""));

        var toolCall = call["choices"]![0]!["message"]!["tool_calls"]![0]!;
        var callId = (string)toolCall["id"]!;
        var chat = await gateway.ChatSpanAsync(Usage(call).Id);
        Assert.Equal(new[] { "tool_calls" }, chat.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Equal(
            $$$"""[{"role":"assistant","parts":[{"type":"tool_call","id":"{{{callId}}}","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_call"}]""",
            chat.GetTagItem("gen_ai.output.messages"));

        var follow = (JsonObject)ask.DeepClone();
        ((JsonArray)follow["messages"]!).Add(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(toolCall.DeepClone()) });
        ((JsonArray)follow["messages"]!).Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = callId, ["content"] = """{"temperature_c": 18}""" });
        var (_, final) = await SendAsync(gateway, follow, ("X-Sim-Completion", "It is 18 degrees in Paris."));

        var second = await gateway.ChatSpanAsync(Usage(final).Id);
        Assert.Null(second.GetTagItem("gen_ai.system_instructions"));
        Assert.Equal(
            $$$"""[{"role":"user","parts":[{"type":"text","content":"{{{question}}}"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"{{{callId}}}","name":"get_weather","arguments":{"city":"Paris"}}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"{{{callId}}}","response":"{\"temperature_c\": 18}"}]}]""",
            second.GetTagItem("gen_ai.input.messages"));
        Assert.Equal("""[{"role":"assistant","parts":[{"type":"text","content":"It is 18 degrees in Paris."}],"finish_reason":"stop"}]""", second.GetTagItem("gen_ai.output.messages"));
    }

    private static string Unique(string text) => $"{text} ({Guid.NewGuid():N})";

    private static JsonObject Chat(string user, int maxTokens, string? system = null, bool stream = false, double temperature = 0)
    {
        var messages = new JsonArray();
        if (system is not null)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        }

        messages.Add(new JsonObject { ["role"] = "user", ["content"] = user });
        var body = new JsonObject { ["model"] = Model, ["max_tokens"] = maxTokens, ["temperature"] = temperature, ["top_p"] = 0.5, ["messages"] = messages };
        if (stream)
        {
            body["stream"] = true;
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        return body;
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<(HttpResponseMessage Response, JsonNode Answer)> SendAsync(TracedGateway gateway, JsonNode body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(body) };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        var response = await gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return (response, JsonNode.Parse(text)!);
    }

    private static async Task<(HttpResponseMessage Response, List<string> Events)> StreamAsync(TracedGateway gateway, JsonNode body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(body) };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        var response = await gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var events = text.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => l["data: ".Length..]).ToList();
        Assert.NotEmpty(events);
        return (response, events);
    }

    private static string? Header(HttpResponseMessage response, string name) => response.Headers.TryGetValues(name, out var values) ? values.Single() : null;

    private static (string Id, int Input, int Output) Usage(JsonNode answer) =>
        ((string)answer["id"]!, (int)answer["usage"]!["prompt_tokens"]!, (int)answer["usage"]!["completion_tokens"]!);

    private static SortedDictionary<string, object?> Tags(params (string Key, object? Value)[] tags) =>
        new(tags.ToDictionary(t => t.Key, t => t.Value), StringComparer.Ordinal);

    private static SortedDictionary<string, object?> With(SortedDictionary<string, object?> tags, (string Key, object? Value) tag) =>
        new(tags.Append(KeyValuePair.Create(tag.Key, tag.Value)).ToDictionary(), StringComparer.Ordinal);

    /// <summary>A span's tags; content attributes (when <paramref name="keepContentNames"/>) reduced to their names.</summary>
    private static SortedDictionary<string, object?> TagsOf(Activity span, bool keepContentNames = false)
    {
        var tags = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in span.TagObjects)
        {
            tags[key] = keepContentNames && key is "gen_ai.system_instructions" or "gen_ai.input.messages" or "gen_ai.output.messages" ? null : value;
        }

        return tags;
    }

    private static IEnumerable<TracedGateway.Point> Histograms(IEnumerable<TracedGateway.Point> points) =>
        points.Where(p => p.Instrument.StartsWith("gen_ai.", StringComparison.Ordinal))
            .OrderBy(p => p.Instrument, StringComparer.Ordinal).ThenBy(p => p.Tags.GetValueOrDefault("aspire70b.prompt_cache.result") as string, StringComparer.Ordinal)
            .ThenBy(p => p.Tags.GetValueOrDefault("gen_ai.token.type") as string, StringComparer.Ordinal);

    private static string Show(IDictionary<string, object?> tags) =>
        string.Join(", ", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={(t.Value is string[] a ? "[" + string.Join(",", a) + "]" : Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture))}"));
}
