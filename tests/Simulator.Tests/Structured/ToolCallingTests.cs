using System.Text.Json;
using Aspire70B.Serving.Templates;
using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Structured;

/// <summary>
/// The simulated Llama 3.1 reads the functions the chat template put in the prompt and calls them on the user's turn,
/// in the JSON form the gateway parses into tool_calls; after a tool result it answers in prose that quotes it.
/// </summary>
public sealed class ToolCallingTests : IClassFixture<ToolCallingTests.Servers>
{
    private const string WeatherSchema = """{"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}, "days": {"type": "integer", "minimum": 1, "maximum": 5}}, "required": ["city", "unit"]}""";
    private const string TimeSchema = """{"type": "object", "properties": {"zone": {"type": "string", "enum": ["UTC", "CET"]}}, "required": ["zone"]}""";

    private static readonly IChatTemplate Llama31 = ChatTemplates.Get(ChatTemplates.Llama31Instruct);

    private readonly Servers _servers;

    public ToolCallingTests(Servers servers) => _servers = servers;

    private static string Tools => $$$"""[{"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": {{{WeatherSchema}}}}}, {"type": "function", "function": {"name": "get_time", "description": "Time", "parameters": {{{TimeSchema}}}}}]""";

    private static string Prompt(string messages) => Llama31.Render(ChatTemplateRequest.Parse($$"""{"messages": {{messages}}, "tools": {{Tools}}}"""));

    private static async Task<(int Status, string Body)> CompleteAsync(HttpClient client, string prompt, string extra = "", IDictionary<string, string>? headers = null)
    {
        var json = $$"""{"prompt": {{JsonSerializer.Serialize(prompt)}}, "max_tokens": 200, "temperature": 0, "add_special_tokens": false{{extra}}}""";
        var (status, body, _) = await Http.PostAsync(client, "/v1/completions", json, headers);
        return (status, body);
    }

    private static IReadOnlyList<ToolCall> Calls(string text)
    {
        var output = Llama31.CreateOutputParser(["get_weather", "get_time"]).ParseAll(text);
        Assert.True(output.HasToolCalls, $"not tool calls: {text}");
        return output.ToolCalls;
    }

    [Fact]
    public async Task OnTheUsersTurnTheModelCallsTheFunctionTheUserNamesWithSchemaValidArguments()
    {
        var prompt = Prompt("""[{"role": "user", "content": "Use get_weather for Paris, please."}]""");

        var (status, body) = await CompleteAsync(_servers.Default.CreateClient(), prompt);
        var text = Json.Text(Json.Parse(body));
        var again = Json.Text(Json.Parse((await CompleteAsync(_servers.Default.CreateClient(), prompt)).Body));

        Assert.Equal(200, status);
        Assert.Equal("stop", Json.FinishReason(Json.Parse(body)));
        Assert.Equal(text, again);
        var call = Assert.Single(Calls(text));
        Assert.Equal("get_weather", call.Name);
        SchemaValidity.AssertValid(WeatherSchema, call.Arguments);
        Assert.StartsWith("""{"name": "get_weather", "parameters": {"city": """, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APromptThatNamesTwoFunctionsGetsParallelCallsInTheOrderNamed()
    {
        var prompt = Prompt("""[{"role": "user", "content": "First get_time, then get_weather for Oslo."}]""");

        var text = Json.Text(Json.Parse((await CompleteAsync(_servers.Default.CreateClient(), prompt)).Body));
        var calls = Calls(text);

        Assert.Equal(["get_time", "get_weather"], calls.Select(c => c.Name));
        SchemaValidity.AssertValid(TimeSchema, calls[0].Arguments);
        SchemaValidity.AssertValid(WeatherSchema, calls[1].Arguments);
        Assert.Contains("}; {", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutANamedFunctionTheModelStillCallsOneOfThem()
    {
        var text = Json.Text(Json.Parse((await CompleteAsync(_servers.Default.CreateClient(), Prompt("""[{"role": "user", "content": "Hello there"}]"""))).Body));

        var call = Assert.Single(Calls(text));
        Assert.Contains(call.Name, (string[])["get_weather", "get_time"]);
    }

    [Fact]
    public async Task AfterAToolResultTheModelAnswersInProseQuotingIt()
    {
        var prompt = Prompt("""
            [{"role": "user", "content": "Weather in Paris?"},
             {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"celsius\"}"}}]},
             {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature_c\": 18}"}]
            """);

        var text = Json.Text(Json.Parse((await CompleteAsync(_servers.Default.CreateClient(), prompt)).Body));

        Assert.Equal("""The tool returned: {"temperature_c": 18}""", text);
    }

    [Fact]
    public async Task TheSettingOrTheHeaderTurnsAutomaticCallsDownToProse()
    {
        var prompt = Prompt("""[{"role": "user", "content": "get_weather in Rome"}]""");

        var viaHeader = Json.Text(Json.Parse((await CompleteAsync(_servers.Default.CreateClient(), prompt, headers: new Dictionary<string, string> { ["X-Sim-Tool-Calls"] = "off" })).Body));
        var viaSetting = Json.Text(Json.Parse((await CompleteAsync(_servers.NoAutoCalls.CreateClient(), prompt)).Body));

        // Echo mode: the user's words, not a call.
        Assert.Equal("get_weather in Rome", viaHeader);
        Assert.Equal("get_weather in Rome", viaSetting);
    }

    [Fact]
    public async Task AScriptedCompletionStillOverridesEverything()
    {
        var prompt = Prompt("""[{"role": "user", "content": "get_weather in Rome"}]""");

        var text = Json.Text(Json.Parse((await CompleteAsync(_servers.Default.CreateClient(), prompt, """, "structured_outputs": {"json": {"type": "integer"}}""",
            new Dictionary<string, string> { ["X-Sim-Completion"] = "scripted words" })).Body));

        Assert.Equal("scripted words", text);
    }

    [Fact]
    public async Task TheRequiredToolChoiceSchemaGetsAnArrayOfCallsToTheNamedFunctions()
    {
        // The schema vLLM 0.11 builds for tool_choice "required" (ChatCompletionRequest._get_json_schema_from_tool).
        var schema = $$$"""{"type": "array", "minItems": 1, "items": {"type": "object", "anyOf": [{"properties": {"name": {"type": "string", "enum": ["get_weather"]}, "parameters": {{{WeatherSchema}}}}, "required": ["name", "parameters"]}, {"properties": {"name": {"type": "string", "enum": ["get_time"]}, "parameters": {{{TimeSchema}}}}, "required": ["name", "parameters"]}]}}""";
        var prompt = Prompt("""[{"role": "user", "content": "get_weather and get_time for Oslo"}]""");

        var (status, body) = await CompleteAsync(_servers.Default.CreateClient(), prompt, $$""", "structured_outputs": {"json": {{schema}}}""");
        var text = Json.Text(Json.Parse(body));

        Assert.Equal(200, status);
        SchemaValidity.AssertValid(schema, text);
        using var calls = JsonDocument.Parse(text);
        Assert.Equal(["get_weather", "get_time"], calls.RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData(""", "structured_outputs": {"json": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3, "maximum": 3}}, "required": ["n"]}}""", """{"n": 3}""")]
    [InlineData(""", "structured_outputs": {"json": "{\"const\": [1, 2]}"}""", "[1, 2]")]
    [InlineData(""", "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"enum": ["yes"]}}}""", "\"yes\"")]
    [InlineData(""", "structured_outputs": {"choice": ["only"]}""", "only")]
    public async Task StructuredOutputsConstrainThePlainCompletion(string extra, string expected)
    {
        var (status, body) = await CompleteAsync(_servers.Default.CreateClient(), "Say something.", extra);

        Assert.Equal(200, status);
        Assert.Equal(expected, Json.Text(Json.Parse(body)));
    }

    [Fact]
    public async Task JsonObjectModeWritesAJsonObject()
    {
        var (_, body) = await CompleteAsync(_servers.Default.CreateClient(), "Say something.", """, "response_format": {"type": "json_object"}""");

        using var value = JsonDocument.Parse(Json.Text(Json.Parse(body)));
        Assert.Equal(JsonValueKind.Object, value.RootElement.ValueKind);
        Assert.NotEmpty(value.RootElement.EnumerateObject());
    }

    [Theory]
    [InlineData(""""{"json": "{not json"}"""", """{"error":{"message":"Invalid JSON grammar specification.","type":"BadRequestError","param":null,"code":400}}""")]
    [InlineData(""""{"json": {"type": "strin"}}"""", """{"error":{"message":"Grammar error: unknown type \"strin\"","type":"BadRequestError","param":null,"code":400}}""")]
    [InlineData(""""{"json": {"type": "object", "required": "city"}}"""", """{"error":{"message":"Grammar error: 'required' must be an array of property names","type":"BadRequestError","param":null,"code":400}}""")]
    [InlineData(""""{"regex": "[a-z]+"}"""", """{"error":{"message":"The Simulator does not support structured output 'regex'; use 'json', 'json_object' or 'choice'.","type":"BadRequestError","param":null,"code":400}}""")]
    public async Task ABadConstraintIsA400AsFromVllm(string structured, string expected)
    {
        var (status, body) = await CompleteAsync(_servers.Default.CreateClient(), "Say something.", $$""", "structured_outputs": {{structured}}""");

        Assert.Equal(400, status);
        Assert.Equal(expected, body);
    }

    [Fact]
    public async Task TwoKindsOfConstraintAreARequestValidationError()
    {
        var (status, body) = await CompleteAsync(_servers.Default.CreateClient(), "Say something.", """, "structured_outputs": {"json": {"type": "integer"}, "choice": ["a"]}""");

        Assert.Equal(400, status);
        Assert.Contains("You can only use one kind of structured outputs constraint but multiple are specified: json, choice", body, StringComparison.Ordinal);
    }

    public sealed class Servers : IDisposable
    {
        public SimulatorFactory Default { get; } = new(new Dictionary<string, string?> { ["Simulator:EnableTestScripting"] = "true" });

        public SimulatorFactory NoAutoCalls { get; } = new(new Dictionary<string, string?> { ["Simulator:AutoToolCalls"] = "false" });

        public void Dispose()
        {
            Default.Dispose();
            NoAutoCalls.Dispose();
        }
    }
}
