using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>Function calling through the real gateway: a loop by hand, and Microsoft.Extensions.AI's FunctionInvokingChatClient.</summary>
[Collection(ConnectorTests.Name)]
public sealed class ToolCallTests(ConnectorFixture fixture)
{
    private const string WeatherCall = """{"name": "get_weather", "parameters": {"city": "Paris"}}""";

    private readonly List<string> _cities = [];

    private AIFunction Weather() => AIFunctionFactory.Create(
        (string city) =>
        {
            _cities.Add(city);
            return new WeatherReport(city, 18);
        },
        "get_weather",
        "The current weather in a city.");

    [Fact]
    public async Task AFunctionCallingLoopRunsTheLocalFunctionAndReachesTheFinalAnswer()
    {
        var weather = Weather();
        var options = new ChatOptions { Tools = [weather], MaxOutputTokens = 64 };
        List<ChatMessage> messages = [new(ChatRole.User, $"What is the weather in Paris? #{Guid.NewGuid():N}")];

        using var caller = fixture.Client(("X-Sim-Completion", WeatherCall));
        var first = await caller.GetResponseAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
        Assert.Equal("Paris", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.Equal("", first.Text);

        messages.AddRange(first.Messages);
        var result = await weather.InvokeAsync(new AIFunctionArguments(call.Arguments));
        messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));

        var recorder = new RecordingHandler { InnerHandler = new HeaderHandler([("X-Sim-Completion", "It is 18 degrees in Paris.")]) { InnerHandler = new SocketsHttpHandler() } };
        using var answerer = Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = fixture.Gateway.BaseAddress }, new HttpClient(recorder));
        var final = await answerer.GetResponseAsync(messages, options);

        Assert.Equal(["Paris"], _cities);
        Assert.Equal("It is 18 degrees in Paris.", final.Text);
        Assert.Equal(ChatFinishReason.Stop, final.FinishReason);
        using var sent = JsonDocument.Parse(recorder.Bodies.Single());
        var wire = sent.RootElement.GetProperty("messages");
        Assert.Equal(3, wire.GetArrayLength());
        Assert.Equal("assistant", wire[1].GetProperty("role").GetString());
        var sentCall = Assert.Single(wire[1].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(call.CallId, sentCall.GetProperty("id").GetString());
        Assert.Equal("function", sentCall.GetProperty("type").GetString());
        Assert.Equal("get_weather", sentCall.GetProperty("function").GetProperty("name").GetString());
        using (var arguments = JsonDocument.Parse(sentCall.GetProperty("function").GetProperty("arguments").GetString()!))
        {
            Assert.Equal("Paris", Assert.Single(arguments.RootElement.EnumerateObject(), p => p.Name == "city").Value.GetString());
            Assert.Single(arguments.RootElement.EnumerateObject());
        }

        Assert.Equal("tool", wire[2].GetProperty("role").GetString());
        Assert.Equal(call.CallId, wire[2].GetProperty("tool_call_id").GetString());
        using var content = JsonDocument.Parse(ToolContent(wire[2]));
        Assert.Equal("""{"city":"Paris","temperatureC":18}""", JsonSerializer.Serialize(content.RootElement));
    }

    [Fact]
    public async Task UseFunctionInvocationOnTheIntegrationsBuilderRunsTheFunctionAndReturnsTheFinalAnswer()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddAspire70BChatClient(configureSettings: s => s.Endpoint = fixture.Gateway.BaseAddress).UseFunctionInvocation();
        var answers = new Queue<string>([WeatherCall, "It is 18 degrees in Paris."]);
        builder.Services.AddHttpClient(Aspire70BChatClientExtensions.HttpClientName).AddHttpMessageHandler(() => new ScriptHandler(answers));
        using var host = builder.Build();

        var response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync(
            $"What is the weather in Paris? #{Guid.NewGuid():N}", new ChatOptions { Tools = [Weather()], MaxOutputTokens = 64 });

        Assert.Equal(["Paris"], _cities);
        Assert.Equal("It is 18 degrees in Paris.", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Empty(answers);
        var result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal("""{"city":"Paris","temperatureC":18}""", JsonSerializer.Serialize(result.Result));
    }

    [Fact]
    public async Task TheGatewayRendersTheToolResultIntoThePromptAsLlamaExpects()
    {
        List<ChatMessage> messages =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", new WeatherReport("Paris", 18))]),
        ];
        // The request exactly as the connector sends it, replayed to the gateway's render endpoint.
        var recorder = new RecordingHandler { InnerHandler = new HeaderHandler([("X-Sim-Completion", "ok")]) { InnerHandler = new SocketsHttpHandler() } };
        using var client = Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = fixture.Gateway.BaseAddress }, new HttpClient(recorder));
        await client.GetResponseAsync(messages, new ChatOptions { Tools = [Weather()], MaxOutputTokens = 4 });
        var body = System.Text.Encoding.UTF8.GetBytes(recorder.Bodies.Single());
        using var http = new HttpClient();

        using var rendered = await http.PostAsync(new Uri(fixture.Gateway.BaseAddress, "v1/chat/completions/render"), new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
        var prompt = JsonDocument.Parse(await rendered.Content.ReadAsStringAsync()).RootElement.GetProperty("prompt").GetString()!;

        Assert.Contains("<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>", prompt, StringComparison.Ordinal);
        // Llama 3.1's template passes any string content through tojson (a string is iterable in Jinja), exactly as
        // vLLM renders the same OpenAI request: the model sees the result (Microsoft.Extensions.AI writes it indented)
        // as a JSON string literal.
        const string Result = "\"{\\n  \\\"city\\\": \\\"Paris\\\",\\n  \\\"temperatureC\\\": 18\\n}\"";
        Assert.Contains($"<|start_header_id|>ipython<|end_header_id|>\n\n{Result}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", prompt, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"get_weather\"", prompt[..prompt.IndexOf("Weather in Paris?", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamedToolCallArrivesAsOneFunctionCallWithTheFinishReason()
    {
        using var client = fixture.Client(("X-Sim-Completion", """{"name": "get_weather", "parameters": {"city": "Oslo"}}"""));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync($"Oslo? #{Guid.NewGuid():N}", new ChatOptions { Tools = [Weather()], MaxOutputTokens = 64 }))
        {
            updates.Add(update);
        }

        var carrying = Assert.Single(updates, u => u.Contents.OfType<FunctionCallContent>().Any());
        Assert.Equal(ChatFinishReason.ToolCalls, carrying.FinishReason);
        var call = Assert.Single(carrying.Contents.OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Oslo", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.Equal("", string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task ToolModeNoneIsSentAndTheModelAnswersInText()
    {
        var recorder = new RecordingHandler { InnerHandler = new HeaderHandler([("X-Sim-Completion", WeatherCall)]) { InnerHandler = new SocketsHttpHandler() } };
        using var client = Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = fixture.Gateway.BaseAddress }, new HttpClient(recorder));

        var response = await client.GetResponseAsync($"Paris? #{Guid.NewGuid():N}", new ChatOptions { Tools = [Weather()], ToolMode = ChatToolMode.None, MaxOutputTokens = 64 });

        Assert.Contains("\"tool_choice\":\"none\"", recorder.Bodies.Single(), StringComparison.Ordinal);
        Assert.Equal(WeatherCall, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
    }

    /// <summary>A tool message's content, sent as a string or as an array of text parts.</summary>
    private static string ToolContent(JsonElement message)
    {
        var content = message.GetProperty("content");
        return content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : string.Concat(content.EnumerateArray().Select(p => p.GetProperty("text").GetString()));
    }

    private sealed record WeatherReport(string City, int TemperatureC);
}

/// <summary>Scripts the Simulator's answer per request, in order.</summary>
public sealed class ScriptHandler(Queue<string> answers) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("X-Sim-Completion", answers.Dequeue());
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Keeps the JSON bodies of the requests that pass through it.</summary>
public sealed class RecordingHandler : DelegatingHandler
{
    public List<string> Bodies { get; } = [];

    public List<HttpRequestMessage> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
