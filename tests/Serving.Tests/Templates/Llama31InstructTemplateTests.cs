using Aspire70B.Serving.Templates;

namespace Aspire70B.Serving.Tests.Templates;

/// <summary>
/// Cases beyond the golden file, with expected prompts derived by reading the official template line by line
/// (trim_blocks, lstrip_blocks and every <c>-</c> whitespace control applied by hand).
/// </summary>
public sealed class Llama31InstructTemplateTests
{
    private const string Start = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n";
    private const string Dates = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";
    private const string AssistantPrompt = "<|start_header_id|>assistant<|end_header_id|>\n\n";
    private const string ToolsInUserPreamble =
        "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n"
        + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n";

    private const string SmallTool = """{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}""";
    private const string SmallToolIndented = """
        {
            "type": "function",
            "function": {
                "name": "add",
                "parameters": {
                    "type": "object"
                }
            }
        }
        """;

    private static readonly IChatTemplate Template = ChatTemplates.Get(ChatTemplates.Llama31Instruct);

    [Fact]
    public void BuiltinToolsAreListedInTheSystemTurnWithoutCodeInterpreter()
    {
        var prompt = Render("""
            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Search for X"}],
             "chat_template_kwargs": {"builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"]}}
            """);
        Assert.Equal(
            Start + "Environment: ipython\nTools: brave_search, wolfram_alpha\n\n" + Dates + "Be brief.<|eot_id|>"
            + Turn("user", "Search for X") + AssistantPrompt,
            prompt);
    }

    [Fact]
    public void BuiltinToolCallIsAPythonTagCallThatEndsWithEomAndItsResultIsAnIpythonTurn()
    {
        var prompt = Render("""
            {"messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                  "function": {"name": "brave_search", "arguments": "{\"query\": \"Paris weather\", \"lang\": \"en\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "sunny"}],
             "chat_template_kwargs": {"builtin_tools": ["brave_search"]}}
            """);
        Assert.Equal(
            Start + "Environment: ipython\nTools: brave_search\n\n" + Dates + "<|eot_id|>"
            + Turn("user", "Weather in Paris?")
            + "<|start_header_id|>assistant<|end_header_id|>\n\n<|python_tag|>brave_search.call(query=\"Paris weather\", lang=\"en\")<|eom_id|>"
            + "<|start_header_id|>ipython<|end_header_id|>\n\n\"sunny\"<|eot_id|>"
            + AssistantPrompt,
            prompt);
    }

    [Fact]
    public void JsonToolCallEndsWithEomWhenBuiltinToolsAreDefined()
    {
        var prompt = Render($$$"""
            {"messages": [
                {"role": "user", "content": "Add 1 and 2"},
                {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{\"a\": 1, \"b\": 2}"}}]}],
             "tools": [{{{SmallTool}}}],
             "chat_template_kwargs": {"builtin_tools": ["brave_search"]}}
            """);
        Assert.Equal(
            Start + "Environment: ipython\nTools: brave_search\n\n" + Dates + "<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\n" + ToolsInUserPreamble + SmallToolIndented + "\n\nAdd 1 and 2<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"add\", \"parameters\": {\"a\": 1, \"b\": 2}}<|eom_id|>"
            + AssistantPrompt,
            prompt);
    }

    [Fact]
    public void ToolsGoInTheSystemTurnWhenToolsInUserMessageIsFalse()
    {
        var prompt = Render($$$"""
            {"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Hi"}],
             "tools": [{{{SmallTool}}}],
             "chat_template_kwargs": {"tools_in_user_message": false}}
            """);
        Assert.Equal(
            Start + "Environment: ipython\n" + Dates
            + "You have access to the following functions. To call a function, please respond with JSON for a function call."
            + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n"
            + SmallToolIndented + "\n\nSys<|eot_id|>"
            + Turn("user", "Hi") + AssistantPrompt,
            prompt);
    }

    [Theory]
    [InlineData("\"sunny\"", "\"sunny\"")]
    [InlineData("\"42\"", "\"42\"")]
    [InlineData("42", "42")]
    [InlineData("21.50", "21.5")]
    [InlineData("true", "True")]
    [InlineData("null", "\"\"")]
    [InlineData("{\"temp\": 21.50, \"unit\": \"°C\", \"ok\": true, \"tags\": []}", "{\"temp\": 21.5, \"unit\": \"°C\", \"ok\": true, \"tags\": []}")]
    [InlineData("[{\"type\": \"text\", \"text\": \"a\"}, {\"type\": \"text\", \"text\": \"b\"}]", "\"a\\nb\"")]
    public void ToolResultIsQuotedWhenTextPrintedWhenNumberAndSerialisedWhenObject(string contentJson, string rendered)
    {
        foreach (var role in new[] { "tool", "ipython" })
        {
            var prompt = Render($$$"""{"messages": [{"role": "user", "content": "q"}, {"role": "{{{role}}}", "content": {{{contentJson}}}}]}""");
            Assert.Equal(
                Start + Dates + "<|eot_id|>" + Turn("user", "q") + "<|start_header_id|>ipython<|end_header_id|>\n\n" + rendered + "<|eot_id|>" + AssistantPrompt,
                prompt);
        }
    }

    [Fact]
    public void DateStringKwargReplacesTheDefaultDate()
    {
        var prompt = Render("""{"messages": [{"role": "user", "content": "Hi"}], "chat_template_kwargs": {"date_string": "01 Jan 2026"}}""");
        Assert.Equal(
            Start + "Cutting Knowledge Date: December 2023\nToday Date: 01 Jan 2026\n\n<|eot_id|>" + Turn("user", "Hi") + AssistantPrompt,
            prompt);
    }

    [Fact]
    public void CustomToolsKwargReplacesTheRequestTools()
    {
        var request = ChatTemplateRequest.Parse($$$"""
            {"messages": [{"role": "user", "content": "Find it"}], "tools": [{{{SmallTool}}}],
             "chat_template_kwargs": {"custom_tools": [{"name": "lookup", "description": "d", "parameters": {}}]}}
            """);
        Assert.Equal(["lookup"], request.ToolNames);
        Assert.Equal(
            Start + "Environment: ipython\n" + Dates + "<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\n" + ToolsInUserPreamble
            + "{\n    \"name\": \"lookup\",\n    \"description\": \"d\",\n    \"parameters\": {}\n}\n\nFind it<|eot_id|>"
            + AssistantPrompt,
            Template.Render(request));
    }

    [Fact]
    public void TrimUsesPythonsWhitespaceSet()
    {
        var prompt = Render("""
            {"messages": [{"role": "system", "content": "\ufeffsys\u3000"}, {"role": "user", "content": "\u001c\u001f hello\u200b\u0085 "}]}
            """);
        Assert.Equal(Start + Dates + "\ufeffsys<|eot_id|>" + Turn("user", "hello\u200b") + AssistantPrompt, prompt);
    }

    [Fact]
    public void ToolCallArgumentsAreReSerialisedTheWayPythonPrintsThem()
    {
        var prompt = Render("""
            {"messages": [{"role": "user", "content": "calc"},
              {"role": "assistant", "content": "", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "calc",
               "arguments": "{\"a\": 1e3, \"b\": 1E-5, \"c\": 1e16, \"d\": -0.0, \"e\": 123456789012345678901234567890, \"f\": 0.10, \"g\": 2, \"h\": \"é\\n\"}"}}]}]}
            """);
        Assert.Equal(
            Start + Dates + "<|eot_id|>" + Turn("user", "calc")
            + "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"calc\", \"parameters\": "
            + "{\"a\": 1000.0, \"b\": 1e-05, \"c\": 1e+16, \"d\": -0.0, \"e\": 123456789012345678901234567890, \"f\": 0.1, \"g\": 2, \"h\": \"é\\n\"}}<|eot_id|>"
            + AssistantPrompt,
            prompt);
    }

    [Fact]
    public void NestedToolSchemaIsIndentedFourSpacesPerLevelWithJsonEscapes()
    {
        const string Tool = """
            {"type": "function", "function": {"name": "search", "description": "Find \"docs\" in C:\\data\nfast 🚀",
             "parameters": {"type": "object", "properties": {
               "filters": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "values": {"type": "array", "items": {}}}}},
               "limit": {"type": "integer", "default": 10, "maximum": 1.0e2}}, "required": []}}}
            """;
        const string Indented = """
            {
                "type": "function",
                "function": {
                    "name": "search",
                    "description": "Find \"docs\" in C:\\data\nfast 🚀",
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "filters": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "field": {
                                            "type": "string"
                                        },
                                        "values": {
                                            "type": "array",
                                            "items": {}
                                        }
                                    }
                                }
                            },
                            "limit": {
                                "type": "integer",
                                "default": 10,
                                "maximum": 100.0
                            }
                        },
                        "required": []
                    }
                }
            }
            """;
        var prompt = Render($$$"""{"messages": [{"role": "user", "content": "go"}], "tools": [{{{Tool}}}]}""");
        Assert.Equal(
            Start + "Environment: ipython\n" + Dates + "<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\n" + ToolsInUserPreamble + Indented + "\n\ngo<|eot_id|>" + AssistantPrompt,
            prompt);
    }

    [Fact]
    public void ContentPartsJoinWithNewlinesSkippingNullTextAndReadingRefusals()
    {
        var prompt = Render("""
            {"messages": [
              {"role": "system", "content": [{"type": "text", "text": "rule one"}, {"type": "text", "text": "rule two"}]},
              {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": null}, "b"]},
              {"role": "assistant", "content": [{"type": "refusal", "refusal": "No."}]},
              {"role": "user", "content": null}]}
            """);
        Assert.Equal(
            Start + Dates + "rule one\nrule two<|eot_id|>" + Turn("user", "a\nb") + Turn("assistant", "No.") + Turn("user", string.Empty) + AssistantPrompt,
            prompt);
    }

    [Fact]
    public void AssistantTurnWithEmptyToolCallsIsAnOrdinaryTurnAndBlankArgumentsAreAnEmptyObject()
    {
        var prompt = Render("""
            {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "Hi", "tool_calls": []},
              {"role": "user", "content": "y"}, {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": ""}}]}],
             "add_generation_prompt": false}
            """);
        Assert.Equal(
            Start + Dates + "<|eot_id|>" + Turn("user", "x") + Turn("assistant", "Hi") + Turn("user", "y")
            + "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"f\", \"parameters\": {}}<|eot_id|>",
            prompt);
    }

    [Fact]
    public void BuiltinToolCallWithANonStringArgumentFailsWithPythonsTypeError()
    {
        var request = ChatTemplateRequest.Parse("""
            {"messages": [{"role": "user", "content": "x"},
              {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "brave_search", "arguments": "{\"count\": 5}"}}]}],
             "chat_template_kwargs": {"builtin_tools": ["brave_search"]}}
            """);
        var error = Assert.Throws<ChatTemplateException>(() => Template.Render(request));
        Assert.Equal("can only concatenate str (not \"int\") to str", error.Message);
    }

    [Fact]
    public void EmptyConversationFailsWithJinjasUndefinedMessage()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("""{"messages": []}"""));
        Assert.Equal("list object has no element 0", error.Message);
        Assert.Equal("UndefinedError", error.ErrorType);
    }

    [Fact]
    public void TemplateDeclaresItsTokensAndStopIds()
    {
        Assert.Equal("llama-3.1-instruct", Template.Id);
        Assert.Equal("<|begin_of_text|>", Template.BosToken);
        Assert.Equal("<|eot_id|>", Template.EosToken);
        Assert.Equal([128001, 128008, 128009], Template.StopTokenIds);
        Assert.Equal(256, Template.SpecialTokens.Count);
        Assert.Contains("<|reserved_special_token_247|>", Template.SpecialTokens);
        Assert.Contains("<|finetune_right_pad_id|>", Template.SpecialTokens);
    }

    private static string Turn(string role, string text) => $"<|start_header_id|>{role}<|end_header_id|>\n\n{text}<|eot_id|>";

    private static string Render(string requestJson) => Template.Render(ChatTemplateRequest.Parse(requestJson));
}
