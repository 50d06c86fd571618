using System.Text.Json;
using Aspire70B.Serving.Templates;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Tests.Templates;

/// <summary>The OpenAI request becomes template input the way vLLM's chat_utils prepares it.</summary>
public sealed class ChatTemplateRequestTests
{
    [Fact]
    public void MessagesKeepRoleAndContentAndOnlyTheFieldsVllmKeeps()
    {
        var request = ChatTemplateRequest.Parse("""
            {"messages": [
              {"role": "user", "content": "hi", "name": "ann", "extra": 1},
              {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"b\": 1, \"a\": [2.50]}"}}]},
              {"role": "tool", "tool_call_id": "c1", "content": "ok"},
              {"role": "user", "content": "x", "tool_calls": [{"function": {"name": "ignored"}}]}]}
            """);
        Assert.Equal(
            "[{'role': 'user', 'content': 'hi', 'name': 'ann'}, "
            + "{'role': 'assistant', 'content': '', 'tool_calls': [{'id': 'c1', 'type': 'function', 'function': {'name': 'f', 'arguments': {'b': 1, 'a': [2.5]}}}]}, "
            + "{'role': 'tool', 'content': 'ok', 'tool_call_id': 'c1'}, "
            + "{'role': 'user', 'content': 'x'}]",
            PyOps.Repr(request.Messages));
        Assert.Equal(4, request.MessageCount);
    }

    [Fact]
    public void DefaultsAreAGenerationPromptAndNoPrefill()
    {
        var request = ChatTemplateRequest.Parse("""{"messages": [{"role": "user", "content": "hi"}]}""");
        Assert.True(request.AddGenerationPrompt);
        Assert.False(request.ContinueFinalMessage);
        Assert.Empty(request.ToolNames);
        Assert.Null(request.Tools);
    }

    [Fact]
    public void WithoutToolsRendersAsTheSameRequestNeverOfferedThem()
    {
        var template = ChatTemplates.Get(ChatTemplates.Llama31Instruct);
        var offered = ChatTemplateRequest.Parse("""{"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"name": "f"}}]}""");
        var plain = ChatTemplateRequest.Parse("""{"messages": [{"role": "user", "content": "hi"}]}""");

        var without = offered.WithoutTools();

        Assert.Equal(template.Render(plain), template.Render(without));
        Assert.Empty(without.ToolNames);
        Assert.Equal(["f"], offered.ToolNames);
    }

    [Fact]
    public void ToolNamesAreTheOfferedFunctionsInOrder()
    {
        var request = ChatTemplateRequest.Parse("""
            {"messages": [], "tools": [{"type": "function", "function": {"name": "b"}}, {"function": {"name": "a", "parameters": {}}}]}
            """);
        Assert.Equal(["b", "a"], request.ToolNames);
    }

    [Fact]
    public void ArgumentsAlreadyAnObjectOrMissingAreAccepted()
    {
        var request = ChatTemplateRequest.Parse("""
            {"messages": [{"role": "assistant", "tool_calls": [
              {"function": {"name": "f", "arguments": {"x": 1}}}, {"function": {"name": "g"}}, {"function": {"name": "h", "arguments": "  "}}]}]}
            """);
        Assert.Equal(
            "[{'function': {'name': 'f', 'arguments': {'x': 1}}}, {'function': {'name': 'g', 'arguments': {}}}, {'function': {'name': 'h', 'arguments': {}}}]",
            PyOps.Repr(((PyDict)request.Messages[0]!)["tool_calls"]));
    }

    [Fact]
    public void FromJsonReadsAnAlreadyParsedBody()
    {
        using var document = JsonDocument.Parse("""{"messages": [{"role": "user", "content": [{"type": "input_text", "text": "a"}, {"type": "output_text", "text": "b"}]}]}""");
        var request = ChatTemplateRequest.FromJson(document.RootElement);
        Assert.Equal("a\nb", ((PyDict)request.Messages[0]!)["content"]);
    }

    [Theory]
    [InlineData("not json", "The request is not valid JSON")]
    [InlineData("[1]", "The request must be a JSON object.")]
    [InlineData("""{"messages": [{"role": "user", "content": "\ud800"}]}""", "The request is not valid JSON: A string is not valid UTF-16")]
    [InlineData("{}", "'messages' must be an array of messages.")]
    [InlineData("""{"messages": [1]}""", "messages[0] must be an object.")]
    [InlineData("""{"messages": [{"content": "x"}]}""", "messages[0].role must be a string.")]
    [InlineData("""{"messages": [{"role": "user", "content": 5}]}""", "messages[0].content must be a string, an array of content parts or null.")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}""", "messages[0].content[0] has type 'image_url', which this text-only model cannot read.")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"text": "x"}]}]}""", "messages[0].content[0] has no 'type'.")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]}""", "messages[0].content[0].text must be a string.")]
    [InlineData("""{"messages": [{"role": "assistant", "tool_calls": {}}]}""", "messages[0].tool_calls must be an array.")]
    [InlineData("""{"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": "{}"}}]}]}""", "messages[0].tool_calls[0].function.name must be a string.")]
    [InlineData("""{"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{oops"}}]}]}""", "messages[0].tool_calls[0].function.arguments is not valid JSON")]
    [InlineData("""{"messages": [], "tools": [{"type": "function"}]}""", "tools[0] must be an object with a 'function' that has a string 'name'.")]
    [InlineData("""{"messages": [], "tools": [{"type": "custom", "function": {"name": "f"}}]}""", "tools[0].type must be \"function\".")]
    [InlineData("""{"messages": [], "add_generation_prompt": "yes"}""", "'add_generation_prompt' must be a boolean.")]
    [InlineData("""{"messages": [], "chat_template_kwargs": []}""", "'chat_template_kwargs' must be an object.")]
    [InlineData("""{"messages": [], "chat_template_kwargs": {"bos_token": "x"}}""", "chat_template_kwargs may not set 'bos_token'.")]
    [InlineData("""{"messages": [], "chat_template_kwargs": {"add_generation_prompt": false}}""", "chat_template_kwargs may not set 'add_generation_prompt'.")]
    public void MalformedRequestsFailWithAMessageNamingTheField(string json, string message)
    {
        var error = Assert.Throws<InvalidChatRequestException>(() => ChatTemplateRequest.Parse(json));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
