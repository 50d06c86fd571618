using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>A function-calling loop written by hand (FunctionInvokingChatClient is not available here), through the real gateway.</summary>
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
        using var answerer = Aspire70BChatClientFactory.Create(new Aspire70BChatClientOptions { Endpoint = fixture.Gateway.BaseAddress }, new HttpClient(recorder));
        var final = await answerer.GetResponseAsync(messages, options);

        Assert.Equal(["Paris"], _cities);
        Assert.Equal("It is 18 degrees in Paris.", final.Text);
        Assert.Equal(ChatFinishReason.Stop, final.FinishReason);
        using var sent = JsonDocument.Parse(recorder.Bodies.Single());
        var wire = sent.RootElement.GetProperty("messages");
        Assert.Equal(3, wire.GetArrayLength());
        Assert.Equal(
            $$$"""{"role":"assistant","content":null,"tool_calls":[{"id":"{{{call.CallId}}}","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022:\u0022Paris\u0022}"}}]}""",
            wire[1].GetRawText());
        Assert.Equal($$$"""{"role":"tool","tool_call_id":"{{{call.CallId}}}","content":"{\u0022city\u0022:\u0022Paris\u0022,\u0022temperatureC\u0022:18}"}""", wire[2].GetRawText());
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
        var body = Aspire70B.Connector.Wire.ChatRequestWriter.Write(messages, new ChatOptions { Tools = [Weather()] }, null, stream: false);
        using var http = new HttpClient();

        using var rendered = await http.PostAsync(new Uri(fixture.Gateway.BaseAddress, "v1/chat/completions/render"), new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
        var prompt = JsonDocument.Parse(await rendered.Content.ReadAsStringAsync()).RootElement.GetProperty("prompt").GetString()!;

        Assert.Contains("<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>", prompt, StringComparison.Ordinal);
        // Llama 3.1's template passes any string content through tojson (a string is iterable in Jinja), exactly as
        // vLLM renders the same OpenAI request: the model sees the result as a JSON string literal.
        Assert.Contains("<|start_header_id|>ipython<|end_header_id|>\n\n\"{\\\"city\\\":\\\"Paris\\\",\\\"temperatureC\\\":18}\"<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", prompt, StringComparison.Ordinal);
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
        using var client = Aspire70BChatClientFactory.Create(new Aspire70BChatClientOptions { Endpoint = fixture.Gateway.BaseAddress }, new HttpClient(recorder));

        var response = await client.GetResponseAsync($"Paris? #{Guid.NewGuid():N}", new ChatOptions { Tools = [Weather()], ToolMode = ChatToolMode.None, MaxOutputTokens = 64 });

        Assert.Contains("\"tool_choice\":\"none\"", recorder.Bodies.Single(), StringComparison.Ordinal);
        Assert.Equal(WeatherCall, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
    }

    private sealed record WeatherReport(string City, int TemperatureC);
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
