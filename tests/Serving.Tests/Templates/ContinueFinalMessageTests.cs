using Aspire70B.Serving.Templates;

namespace Aspire70B.Serving.Tests.Templates;

/// <summary>
/// Assistant prefill: like Hugging Face behind vLLM, the prompt is rendered with the final message and cut right after
/// the last occurrence of its stripped text (keeping leading spaces only where the template kept them).
/// </summary>
public sealed class ContinueFinalMessageTests
{
    private const string Llama31Prefix =
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";

    [Theory]
    [InlineData("The answer is ", "The answer is")]
    [InlineData("  {\"a\":", "{\"a\":")]
    [InlineData("Hi", "Hi")]
    public void PromptEndsRightAfterTheFinalMessagesText(string prefill, string ending)
    {
        var request = Request($$$"""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": {{{System.Text.Json.JsonSerializer.Serialize(prefill)}}}}], "continue_final_message": true}""");
        Assert.False(request.AddGenerationPrompt);
        Assert.Equal(Llama31Prefix + ending, ChatTemplates.Get(ChatTemplates.Llama31Instruct).Render(request));
    }

    [Fact]
    public void EmptyFinalMessageKeepsTheWholeRenderedTurn()
    {
        var request = Request("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}], "continue_final_message": true}""");
        Assert.Equal(Llama31Prefix + "<|eot_id|>", ChatTemplates.Get(ChatTemplates.Llama31Instruct).Render(request));
    }

    [Fact]
    public void Llama2PrefillDropsTheSpaceTheTemplateStrippedAndTheEos()
    {
        var request = Request("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": " Sure,"}], "continue_final_message": true, "add_generation_prompt": false}""");
        Assert.Equal("<s>[INST] Hi [/INST] Sure,", ChatTemplates.Get(ChatTemplates.Llama2Chat).Render(request));
    }

    [Fact]
    public void FinalMessageTheTemplateDoesNotRenderFailsWithHuggingFacesMessage()
    {
        var request = Request("""
            {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}, {"role": "tool", "content": "zzz"}],
             "continue_final_message": true}
            """);
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplates.Get(ChatTemplates.Llama2Chat).Render(request));
        Assert.StartsWith("continue_final_message is set but the final message does not appear in the chat after applying the chat template!", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CutUsesTheLastOccurrenceOfTheText()
    {
        Assert.Equal("ok ok ok", FinalMessagePrefill.Cut("ok ok ok</s>", "ok"));
        Assert.Equal("x [ ok", FinalMessagePrefill.Cut("x [ ok ]", " ok "));
    }

    [Fact]
    public void BothContinueFinalMessageAndAddGenerationPromptIsRejectedWithVllmsMessage()
    {
        var error = Assert.Throws<InvalidChatRequestException>(() => Request(
            """{"messages": [{"role": "user", "content": "Hi"}], "continue_final_message": true, "add_generation_prompt": true}"""));
        Assert.Equal("Cannot set both `continue_final_message` and `add_generation_prompt` to True.", error.Message);
    }

    [Fact]
    public void FinalMessageWithStructuredContentCannotBeContinued()
    {
        var request = Request("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "tool", "content": {"a": 1}}], "continue_final_message": true}""");
        Assert.Throws<InvalidChatRequestException>(() => ChatTemplates.Get(ChatTemplates.Llama31Instruct).Render(request));
    }

    private static ChatTemplateRequest Request(string json) => ChatTemplateRequest.Parse(json);
}
