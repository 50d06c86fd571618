using Aspire70B.Serving.Templates;

namespace Aspire70B.Serving.Tests.Templates;

public sealed class TemplateSourcesTests
{
    [Theory]
    [InlineData(ChatTemplates.Llama31Instruct, TemplateSources.Llama31Instruct)]
    [InlineData(ChatTemplates.Llama2Chat, TemplateSources.Llama2Chat)]
    public void EmbeddedTemplateIsTheOfficialFileByteForByte(string id, string embedded)
    {
        var official = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "templates", id + ".jinja"));
        // Jinja drops one trailing newline (keep_trailing_newline=False), and so does the embedded copy.
        Assert.Equal(official.EndsWith('\n') ? official[..^1] : official, embedded);
    }

    [Fact]
    public void UnknownTemplateIdFailsWithTheValidIds()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => ChatTemplates.Get("llama-3-instruct"));
        Assert.Equal("Unknown chat template 'llama-3-instruct'. Valid ids: llama-3.1-instruct, llama-2-chat.", error.Message);
        Assert.False(ChatTemplates.TryGet("LLAMA-2-CHAT", out _));
        Assert.Equal(["llama-3.1-instruct", "llama-2-chat"], ChatTemplates.Ids);
    }
}
