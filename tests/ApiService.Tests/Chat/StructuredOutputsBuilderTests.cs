using System.Text.Json;
using Aspire70B.ApiService.Chat;
using Aspire70B.ApiService.Errors;

namespace Aspire70B.ApiService.Tests.Chat;

/// <summary>The structured_outputs the gateway sends to /v1/completions: what vLLM 0.11's chat endpoint builds itself.</summary>
public sealed class StructuredOutputsBuilderTests
{
    private const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"where": {"$ref": "#/$defs/place"}}, "required": ["where"], "$defs": {"place": {"type": "string"}}}}},
         {"type": "function", "function": {"name": "get_time"}}]
        """;

    private static string? Build(string request)
    {
        using var document = JsonDocument.Parse(request);
        return ChatParametersReader.Read(document.RootElement).StructuredOutputsJson;
    }

    private static string Request(string extra) => $$"""{"messages": [{"role": "user", "content": "hi"}], "tools": {{Tools}}{{extra}}}""";

    [Fact]
    public void RequiredIsAnArrayOfCallsWithOneAnyOfBranchPerToolAndTheDefsHoisted()
    {
        Assert.Equal(
            """{"json":{"type":"array","minItems":1,"items":{"type":"object","anyOf":[{"properties":{"name":{"type":"string","enum":["get_weather"]},"parameters":{"type":"object","properties":{"where":{"$ref":"#/$defs/place"}},"required":["where"]}},"required":["name","parameters"]},{"properties":{"name":{"type":"string","enum":["get_time"]},"parameters":{"type":"object","properties":{}}},"required":["name","parameters"]}]},"$defs":{"place":{"type":"string"}}}}""",
            Build(Request(""", "tool_choice": "required" """)));
    }

    [Fact]
    public void ANamedFunctionIsItsParametersSchema()
    {
        Assert.Equal("""{"json":{"type":"object","properties":{}}}""", Build(Request(""", "tool_choice": {"type": "function", "function": {"name": "get_time"}}""")));
    }

    [Theory]
    [InlineData(""", "response_format": {"type": "json_object"}""", """{"json_object":true}""")]
    [InlineData(""", "response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "integer"}}}""", """{"json":{"type":"integer"}}""")]
    [InlineData(""", "response_format": {"type": "text"}""", null)]
    [InlineData(""", "tool_choice": "auto", "response_format": {"type": "json_object"}""", """{"json_object":true}""")]
    [InlineData(""", "tool_choice": "none" """, null)]
    [InlineData("", null)]
    public void ResponseFormatAndUnconstrainedChoices(string extra, string? expected)
    {
        Assert.Equal(expected, Build(Request(extra)));
    }

    [Theory]
    [InlineData(""", "tool_choice": {"type": "function", "function": {"name": "get_stock"}}""", "The tool specified in `tool_choice` (get_stock) does not match any of the specified `tools`.")]
    [InlineData(""", "tool_choice": "sometimes" """, "tool_choice must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}.")]
    [InlineData(""", "tool_choice": {"type": "function"}""", "tool_choice must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}.")]
    public void ABadToolChoiceIsA400WithParamToolChoice(string extra, string message)
    {
        using var document = JsonDocument.Parse(Request(extra));
        var error = Assert.Throws<OpenAIErrorException>(() => ChatParametersReader.Read(document.RootElement));

        Assert.Equal(message, error.Error.Message);
        Assert.Equal("tool_choice", error.Error.Param);
    }

    [Fact]
    public void RequiredWithoutToolsIsA400()
    {
        using var document = JsonDocument.Parse("""{"messages": [{"role": "user", "content": "hi"}], "tool_choice": "required"}""");
        var error = Assert.Throws<OpenAIErrorException>(() => ChatParametersReader.Read(document.RootElement));

        Assert.Equal("When using `tool_choice`, `tools` must be set.", error.Error.Message);
        Assert.Equal("tool_choice", error.Error.Param);
    }
}
