using System.Text.Json;
using Aspire70B.Serving.Templates;

namespace Aspire70B.Serving.Tests.Templates;

/// <summary>
/// Every case of the shared golden file, rendered by the reference engine (Hugging Face's Jinja environment behind
/// vLLM), must come out byte for byte, and every expected error with its exact message.
/// </summary>
public sealed class GoldenChatTemplateTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var item in LoadCases().EnumerateArray())
        {
            data.Add(item.GetProperty("template").GetString()!, item.GetProperty("case").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GoldenCaseRendersExactlyLikeTheReference(string templateId, string caseName)
    {
        var item = LoadCases().EnumerateArray()
            .Single(c => c.GetProperty("template").GetString() == templateId && c.GetProperty("case").GetString() == caseName);
        var template = ChatTemplates.Get(templateId);
        var request = ChatTemplateRequest.FromJson(item.GetProperty("request"));

        if (item.TryGetProperty("expected_error", out var expectedError))
        {
            var error = Assert.Throws<ChatTemplateException>(() => template.Render(request));
            Assert.Equal(expectedError.GetString(), error.Message);
        }
        else
        {
            Assert.Equal(item.GetProperty("expected").GetString(), template.Render(request));
        }
    }

    [Fact]
    public void GoldenFileHasCasesForBothTemplatesAndErrors()
    {
        var cases = LoadCases().EnumerateArray().ToList();
        Assert.Contains(cases, c => c.GetProperty("template").GetString() == ChatTemplates.Llama31Instruct);
        Assert.Contains(cases, c => c.GetProperty("template").GetString() == ChatTemplates.Llama2Chat);
        Assert.Contains(cases, c => c.TryGetProperty("expected_error", out _));
    }

    private static JsonElement LoadCases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", "chat-templates.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }
}
