using Aspire70B.Serving.Templates;

namespace Aspire70B.Serving.Tests.Templates;

/// <summary>Cases beyond the golden file for the official Llama 2 Chat template, derived by reading it.</summary>
public sealed class Llama2ChatTemplateTests
{
    private static readonly IChatTemplate Template = ChatTemplates.Get(ChatTemplates.Llama2Chat);

    [Fact]
    public void EmptySystemMessageStillOpensASysBlockBecauseEmptyStringIsNotFalse()
    {
        Assert.Equal(
            "<s>[INST] <<SYS>>\n\n<</SYS>>\n\nHi [/INST]",
            Render("""{"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "Hi"}]}"""));
    }

    [Fact]
    public void SystemBlockGoesIntoTheFirstUserTurnWhichIsStrippedOnlyAsAWhole()
    {
        // The system text is not stripped, and the first user text keeps its leading space: strip() sees "<<SYS>>..." first.
        Assert.Equal(
            "<s>[INST] <<SYS>>\n  S  \n<</SYS>>\n\n U1 [/INST] A1 </s><s>[INST] U2 [/INST]",
            Render("""
                {"messages": [{"role": "system", "content": "  S  "}, {"role": "user", "content": " U1\n"},
                  {"role": "assistant", "content": "\u3000A1 "}, {"role": "user", "content": "U2"}]}
                """));
    }

    [Fact]
    public void ConversationEndingWithTheAssistantEndsWithEosWhateverAddGenerationPromptSays()
    {
        const string Expected = "<s>[INST] U [/INST] A </s>";
        Assert.Equal(Expected, Render("""{"messages": [{"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]}"""));
        Assert.Equal(Expected, Render("""{"messages": [{"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}], "add_generation_prompt": false}"""));
    }

    [Fact]
    public void SystemOnlyConversationRendersNothing() =>
        Assert.Equal(string.Empty, Render("""{"messages": [{"role": "system", "content": "S"}]}"""));

    [Fact]
    public void RolesOtherThanUserAndAssistantInTheirSlotAreSkipped() =>
        Assert.Equal(
            "<s>[INST] U [/INST]",
            Render("""{"messages": [{"role": "user", "content": "U"}, {"role": "tool", "content": "T"}]}"""));

    [Fact]
    public void AssistantFirstFailsWithTheTemplatesMessage()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("""{"messages": [{"role": "assistant", "content": "A"}]}"""));
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", error.Message);
        Assert.Equal("TemplateError", error.ErrorType);
    }

    [Fact]
    public void EmptyConversationFailsWithJinjasUndefinedMessage()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("""{"messages": []}"""));
        Assert.Equal("list object has no element 0", error.Message);
    }

    [Fact]
    public void TemplateDeclaresItsTokensAndStopIds()
    {
        Assert.Equal("llama-2-chat", Template.Id);
        Assert.Equal("<s>", Template.BosToken);
        Assert.Equal("</s>", Template.EosToken);
        Assert.Equal([2], Template.StopTokenIds);
        Assert.Equal(["</s>", "<</SYS>>", "<<SYS>>", "<s>", "<unk>", "[/INST]", "[INST]"], Template.SpecialTokens);
    }

    private static string Render(string requestJson) => Template.Render(ChatTemplateRequest.Parse(requestJson));
}
