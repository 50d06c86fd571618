using System.Text;
using System.Text.Json;
using Aspire70B.Connector.Wire;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector.Tests.Wire;

/// <summary>The exact request body the connector sends for messages and every <see cref="ChatOptions"/> field.</summary>
public sealed class ChatRequestWriterTests
{
    private static string Write(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? model = null, bool stream = false) =>
        Encoding.UTF8.GetString(ChatRequestWriter.Write(messages, options, model, stream));

    private static readonly ChatMessage[] Hi = [new(ChatRole.User, "Hi")];

    [Fact]
    public void WithoutOptionsOnlyTheMessagesAreSentAndTheGatewayPicksTheModel()
    {
        Assert.Equal("""{"messages":[{"role":"user","content":"Hi"}]}""", Write(Hi));
    }

    [Fact]
    public void EveryChatOptionsFieldHasItsOpenAIName()
    {
        var options = new ChatOptions
        {
            ModelId = "llama-3.1-70b-instruct",
            Instructions = "Be brief.",
            Temperature = 0.7f,
            TopP = 0.9f,
            TopK = 40,
            MaxOutputTokens = 128,
            StopSequences = ["\n\n", "END"],
            Seed = 42,
            FrequencyPenalty = 0.5f,
            PresencePenalty = -0.25f,
            ResponseFormat = ChatResponseFormat.Json,
            AdditionalProperties = new() { ["min_p"] = 0.05, ["repetition_penalty"] = 1.1 },
        };

        Assert.Equal(
            """{"model":"llama-3.1-70b-instruct","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"temperature":0.7,"top_p":0.9,"top_k":40,"max_tokens":128,"stop":["\n\n","END"],"seed":42,"frequency_penalty":0.5,"presence_penalty":-0.25,"response_format":{"type":"json_object"},"min_p":0.05,"repetition_penalty":1.1}""",
            Write(Hi, options, model: "ignored-default"));
    }

    [Fact]
    public void TheConfiguredModelIsUsedWhenTheOptionsNameNone()
    {
        Assert.Equal("""{"model":"m1","messages":[{"role":"user","content":"Hi"}]}""", Write(Hi, new ChatOptions(), model: "m1"));
    }

    [Fact]
    public void StreamingAsksForTheUsageChunk()
    {
        Assert.Equal("""{"messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true}}""", Write(Hi, stream: true));
    }

    [Fact]
    public void AJsonSchemaResponseFormatCarriesItsNameDescriptionAndSchema()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.RootElement, "place", "A city.") };

        Assert.Equal(
            """{"messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"place","description":"A city.","schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}""",
            Write(Hi, options));
    }

    [Fact]
    public void TextResponseFormatIsTheDefaultAndNotSent()
    {
        Assert.Equal("""{"messages":[{"role":"user","content":"Hi"}]}""", Write(Hi, new ChatOptions { ResponseFormat = ChatResponseFormat.Text }));
    }

    [Fact]
    public void FunctionToolsCarryTheirJsonSchemaAndAutoIsSentWithThem()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.CreateDeclaration("get_weather", "Weather in a city.", schema.RootElement)],
            ToolMode = ChatToolMode.Auto,
        };

        Assert.Equal(
            """{"messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather in a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],"tool_choice":"auto"}""",
            Write(Hi, options));
    }

    [Fact]
    public void AFunctionFromADelegateSendsTheSchemaMicrosoftExtensionsAIMadeForIt()
    {
        var function = AIFunctionFactory.Create((string city) => city, "get_weather", "Weather in a city.");

        var json = Write(Hi, new ChatOptions { Tools = [function] });

        Assert.Equal(
            $$$"""{"messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather in a city.","parameters":{{{function.JsonSchema.GetRawText()}}}}}]}""",
            json);
        Assert.Contains("\"city\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolModeNoneIsSent()
    {
        Assert.Equal("""{"messages":[{"role":"user","content":"Hi"}],"tool_choice":"none"}""", Write(Hi, new ChatOptions { ToolMode = ChatToolMode.None }));
    }

    [Fact]
    public void RequiredToolModesAreNotSupported()
    {
        Assert.Throws<NotSupportedException>(() => Write(Hi, new ChatOptions { ToolMode = ChatToolMode.RequireAny }));
        Assert.Throws<NotSupportedException>(() => Write(Hi, new ChatOptions { ToolMode = ChatToolMode.RequireSpecific("get_weather") }));
    }

    [Fact]
    public void AdditionalPropertiesMayNotOverrideWhatTheConnectorWrites()
    {
        var error = Assert.Throws<ArgumentException>(() => Write(Hi, new ChatOptions { AdditionalProperties = new() { ["stream"] = true } }));

        Assert.StartsWith("ChatOptions.AdditionalProperties may not set 'stream'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Write(Hi, new ChatOptions { AdditionalProperties = new() { ["n"] = 2 } }));
    }

    [Fact]
    public void AToolCallingConversationBecomesAssistantToolCallsAndToolMessages()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, [new TextContent("Weather in "), new TextContent("Paris?")]),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 2 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", new Dictionary<string, object?> { ["temperature_c"] = 18 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_2", "sunny"), new FunctionResultContent("call_3", null)]),
            new(ChatRole.Assistant, "It is 18 °C and sunny."),
        ];

        Assert.Equal(
            """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022:\u0022Paris\u0022,\u0022days\u0022:2}"}}]},{"role":"tool","tool_call_id":"call_1","content":"{\u0022temperature_c\u0022:18}"},{"role":"tool","tool_call_id":"call_2","content":"sunny"},{"role":"tool","tool_call_id":"call_3","content":""},{"role":"assistant","content":"It is 18 \u00B0C and sunny."}]}""",
            Write(messages));
    }

    [Fact]
    public void ImagesAreRefusedBecauseTheModelReadsTextOnly()
    {
        ChatMessage[] messages = [new(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 1, 2, 3 }, "image/png")])];

        var error = Assert.Throws<NotSupportedException>(() => Write(messages));

        Assert.Equal("Message content of type DataContent is not supported: Llama 3.1 70B reads text only.", error.Message);
    }
}
