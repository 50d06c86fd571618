using System.Net;
using System.Text;
using System.Text.Json;
using Json.Schema;
using OpenAI.Chat;

namespace Aspire70B.ApiService.Tests.Integration;

/// <summary>
/// Function calling through the gateway and the Simulator over loopback, seen by the official OpenAI .NET SDK: auto
/// (the simulated model calls), required and named functions (forwarded as vLLM 0.11 structured outputs), none,
/// response_format, streamed tool-call deltas, and the errors for a bad tool_choice.
/// </summary>
[Collection(GatewayTests.Name)]
public sealed class ToolChoiceTests(GatewayFixture fixture)
{
    private const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer","minimum":1,"maximum":5}},"required":["city","unit"]}""";
    private const string TimeSchema = """{"type":"object","properties":{"zone":{"type":"string","enum":["UTC","CET"]}},"required":["zone"]}""";

    private static string Unique(string text) => $"{text} #{Guid.NewGuid():N}";

    private static ChatCompletionOptions Options(ChatToolChoice? choice = null)
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 200 };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Current weather in a city", BinaryData.FromString(WeatherSchema)));
        options.Tools.Add(ChatTool.CreateFunctionTool("get_time", "The time in a zone", BinaryData.FromString(TimeSchema)));
        options.ToolChoice = choice;
        return options;
    }

    private static void AssertValid(string name, string arguments)
    {
        var schema = JsonSchema.FromText(name == "get_weather" ? WeatherSchema : TimeSchema);
        using var document = JsonDocument.Parse(arguments);
        Assert.True(schema.Evaluate(document.RootElement).IsValid, $"{name}({arguments}) does not validate");
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await fixture.Http.PostAsync(new Uri(fixture.Gateway.BaseAddress, "v1/chat/completions"), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static void AssertError(string body, string message, string? param)
    {
        using var document = JsonDocument.Parse(body);
        var error = document.RootElement.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("code").ValueKind);
    }

    [Fact]
    public async Task WithAutoTheSimulatedModelCallsTheNamedFunctionAndTheSdkSeesFinishReasonToolCalls()
    {
        ChatCompletion completion = await fixture.ChatClient().CompleteChatAsync([new UserChatMessage(Unique("Call get_weather for Paris"))], Options());

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
        AssertValid(call.FunctionName, call.FunctionArguments.ToString());
        Assert.Empty(completion.Content);
    }

    [Fact]
    public async Task WithAutoTwoNamedFunctionsAreParallelCalls()
    {
        ChatCompletion completion = await fixture.ChatClient().CompleteChatAsync([new UserChatMessage(Unique("get_time, then get_weather for Oslo"))], Options());

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal(["get_time", "get_weather"], completion.ToolCalls.Select(c => c.FunctionName));
        foreach (var call in completion.ToolCalls)
        {
            AssertValid(call.FunctionName, call.FunctionArguments.ToString());
        }
    }

    [Fact]
    public async Task RequiredIsForwardedAsStructuredOutputsAndComesBackAsToolCalls()
    {
        ChatCompletion completion = await fixture.ChatClient().CompleteChatAsync([new UserChatMessage(Unique("What time is it? get_time please"))], Options(ChatToolChoice.CreateRequiredChoice()));

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_time", call.FunctionName);
        AssertValid(call.FunctionName, call.FunctionArguments.ToString());
    }

    [Fact]
    public async Task ANamedFunctionIsCalledEvenWhenTheUserTalksOfAnother()
    {
        ChatCompletion completion = await fixture.ChatClient().CompleteChatAsync([new UserChatMessage(Unique("Use get_weather for Rome"))], Options(ChatToolChoice.CreateFunctionChoice("get_time")));

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_time", call.FunctionName);
        AssertValid(call.FunctionName, call.FunctionArguments.ToString());
    }

    [Fact]
    public async Task NoneNeverCalls()
    {
        ChatCompletion completion = await fixture.ChatClient().CompleteChatAsync([new UserChatMessage(Unique("Call get_weather for Paris"))], Options(ChatToolChoice.CreateNoneChoice()));

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Empty(completion.ToolCalls);
        Assert.DoesNotContain("get_weather", completion.Content[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTestHeaderTurnsAutoCallsDownToProse()
    {
        ChatCompletion completion = await fixture.ChatClient(("X-Sim-Tool-Calls", "off")).CompleteChatAsync([new UserChatMessage(Unique("Call get_weather for Paris"))], Options());

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Empty(completion.ToolCalls);
        Assert.NotEmpty(completion.Content[0].Text);
    }

    [Fact]
    public async Task AfterTheToolResultTheAnswerQuotesIt()
    {
        var client = fixture.ChatClient();
        List<ChatMessage> messages = [new UserChatMessage(Unique("Call get_weather for Paris"))];
        ChatCompletion call = await client.CompleteChatAsync(messages, Options());
        messages.Add(new AssistantChatMessage(call));
        messages.Add(new ToolChatMessage(call.ToolCalls[0].Id, """{"temperature_c": 18}"""));

        ChatCompletion answer = await client.CompleteChatAsync(messages, Options());

        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
        Assert.Equal("""The tool returned: {"temperature_c": 18}""", answer.Content[0].Text);
    }

    [Fact]
    public async Task StreamedRequiredCallsArriveAsToolCallDeltasTheSdkAssembles()
    {
        var names = new List<string>();
        var ids = new List<string>();
        var arguments = new Dictionary<int, StringBuilder>();
        ChatFinishReason? finish = null;
        await foreach (var update in fixture.ChatClient().CompleteChatStreamingAsync([new UserChatMessage(Unique("get_weather and get_time for Oslo"))], Options(ChatToolChoice.CreateRequiredChoice())))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                if (part.FunctionName is { } name)
                {
                    names.Add(name);
                    ids.Add(part.ToolCallId);
                }

                (arguments.TryGetValue(part.Index, out var text) ? text : arguments[part.Index] = new StringBuilder()).Append(part.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(["get_weather", "get_time"], names);
        Assert.All(ids, id => Assert.StartsWith("call_", id, StringComparison.Ordinal));
        AssertValid("get_weather", arguments[0].ToString());
        AssertValid("get_time", arguments[1].ToString());
    }

    [Fact]
    public async Task AJsonSchemaResponseFormatGivesSchemaValidContent()
    {
        const string Schema = """{"type":"object","properties":{"answer":{"type":"string"},"confidence":{"type":"number","minimum":0,"maximum":1}},"required":["answer","confidence"],"additionalProperties":false}""";
        var options = new ChatCompletionOptions
        {
            Temperature = 0,
            MaxOutputTokenCount = 100,
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("verdict", BinaryData.FromString(Schema), jsonSchemaIsStrict: true),
        };

        ChatCompletion completion = await fixture.ChatClient().CompleteChatAsync([new UserChatMessage(Unique("Is the sky blue?"))], options);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        using var content = JsonDocument.Parse(completion.Content[0].Text);
        Assert.True(JsonSchema.FromText(Schema).Evaluate(content.RootElement).IsValid, completion.Content[0].Text);
    }

    [Fact]
    public async Task AJsonObjectResponseFormatGivesAJsonObject()
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 100, ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() };

        ChatCompletion completion = await fixture.ChatClient().CompleteChatAsync([new UserChatMessage(Unique("Describe JSON in JSON"))], options);

        using var content = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Equal(JsonValueKind.Object, content.RootElement.ValueKind);
    }

    [Fact]
    public async Task AnUnknownFunctionInToolChoiceIsAnOpenAIErrorWithParamToolChoice()
    {
        var (status, body) = await PostAsync("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"get_time","parameters":""" + TimeSchema + """}}],"tool_choice":{"type":"function","function":{"name":"get_stock"}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "The tool specified in `tool_choice` (get_stock) does not match any of the specified `tools`.", "tool_choice");
    }

    [Fact]
    public async Task AMalformedResponseSchemaIsRefusedByTheModelServerAsA400()
    {
        var (status, body) = await PostAsync("""{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"strin"}}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, "Grammar error: unknown type \"strin\"", null);
    }
}
