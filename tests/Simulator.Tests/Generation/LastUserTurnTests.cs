using Aspire70B.Serving.Templates;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Tests.Generation;

/// <summary>Echo mode finds the last user turn in a rendered prompt, so it behaves alike on /v1/chat/completions and on a gateway's /v1/completions.</summary>
public sealed class LastUserTurnTests
{
    [Theory]
    [InlineData("llama-3.1-instruct")]
    [InlineData("llama-2-chat")]
    public void TheLastUserMessageOfARenderedConversation(string templateId)
    {
        var prompt = ChatTemplates.Get(templateId).Render(ChatTemplateRequest.Parse(
            """{"messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"First question"},{"role":"assistant","content":"An answer"},{"role":"user","content":"  Second question\nwith two lines  "}]}"""));

        Assert.Equal("Second question\nwith two lines", LastUserTurn.Of(prompt));
    }

    [Fact]
    public void TheUserMessageBehindLlama31ToolDefinitions()
    {
        var prompt = ChatTemplates.Get("llama-3.1-instruct").Render(ChatTemplateRequest.Parse(
            """{"messages":[{"role":"user","content":"Weather in Paris?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}]}"""));

        Assert.Equal("Weather in Paris?", LastUserTurn.Of(prompt));
    }

    [Theory]
    [InlineData("Translate:\nbonjour\n\n", "bonjour")]
    [InlineData("single line", "single line")]
    [InlineData("\n\n", "")]
    public void ThePlainPromptsLastNonEmptyLine(string prompt, string expected) => Assert.Equal(expected, LastUserTurn.Of(prompt));
}
