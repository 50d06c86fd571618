using System.Text.Json;
using Aspire70B.Serving.Templates;
using Aspire70B.Tests.Shared;
using CsCheck;

namespace Aspire70B.Serving.Tests.Properties;

/// <summary>
/// The Llama 3.1 tool-call parser reads whatever a model writes: for any output and any way of streaming it, the
/// result is the same as reading it whole, text comes back unchanged, and calls name only offered functions with
/// JSON-object arguments.
/// </summary>
public sealed class ToolCallParserProperties
{
    private static readonly string[] Offered = ["get_weather", "add"];

    private static readonly string[] Pieces =
    [
        "<|python_tag|>", "<|python", "_tag|>", "{", "}", "\"name\"", ": ", "\"add\"", "\"get_weather\"", "\"nope\"", ", ", "\"parameters\"",
        "\"arguments\"", "{\"a\": 1}", "{\"city\": \"Paris\", \"days\": [1.50, -0, 1e3]}", ";", " ", "\n", "\"", "\\", "\\u00e9", "\\ud800",
        "null", "true", "1e999", "NaN", "[", "]", "hello", "é", "😀", "\ud800", "\u0000", "{\"name\": \"add\", \"parameters\": {}}",
    ];

    private static readonly Gen<string> Outputs = Gen.Int[0, Pieces.Length - 1].Array[0, 30].Select(ix => string.Concat(ix.Select(i => Pieces[i])));

    private static readonly IChatTemplate Llama31 = ChatTemplates.Get(ChatTemplates.Llama31Instruct);

    private static bool IsValidUtf16(string text) => System.Text.Unicode.Utf8.FromUtf16(text, new byte[text.Length * 3], out _, out _, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done;

    [Fact]
    public void AnyOutputStreamedInAnyPiecesParsesAsItDoesWhole() =>
        Gen.Select(Outputs, Gen.Int[1, 12].Array[1, 10]).Sample((output, cuts) =>
        {
            var whole = Llama31.CreateOutputParser(Offered).ParseAll(output);

            var streamed = Llama31.CreateOutputParser(Offered);
            var forwarded = new System.Text.StringBuilder();
            var at = 0;
            for (var i = 0; at < output.Length; i++)
            {
                var size = Math.Min(cuts[i % cuts.Length], output.Length - at);
                forwarded.Append(streamed.Append(output.Substring(at, size)));
                at += size;
            }

            var end = streamed.Complete();
            Assert.Equal(whole.HasToolCalls, end.HasToolCalls);
            if (whole.HasToolCalls)
            {
                Assert.Equal(whole.ToolCalls.Select(c => (c.Name, c.Arguments)), end.ToolCalls.Select(c => (c.Name, c.Arguments)));
                Assert.All(end.ToolCalls, c =>
                {
                    Assert.Contains(c.Name, Offered);
                    Assert.True(IsValidUtf16(c.Arguments), "arguments with a lone surrogate cannot be written as JSON");
                    using var arguments = JsonDocument.Parse(c.Arguments);
                    Assert.Equal(JsonValueKind.Object, arguments.RootElement.ValueKind);
                });
            }
            else
            {
                Assert.Equal(output, forwarded + end.Content);
                Assert.Equal(output, whole.Content);
            }
        }, iter: PropertyRuns.Iterations(1000), print: c => JsonSerializer.Serialize(c.Item1) + " cut " + string.Join(",", c.Item2));
}

/// <summary>The parser's and mapper's shrunk counterexamples, kept as examples.</summary>
public sealed class UntrustedTextRegressionTests
{
    /// <summary>Was an ArgumentException out of the parser: the call's JSON could not be transcoded for System.Text.Json.</summary>
    [Fact]
    public void AToolCallWithALoneSurrogateInItsTextIsPlainContent()
    {
        const string Output = "{\"name\": \"add\", \"parameters\": {\"a\": \"\ud800\"}}";

        var parsed = ChatTemplates.Get(ChatTemplates.Llama31Instruct).CreateOutputParser(["add"]).ParseAll(Output);

        Assert.False(parsed.HasToolCalls);
        Assert.Equal(Output, parsed.Content);
    }

    /// <summary>Was an InvalidOperationException out of the mapper: a property name escaping half a surrogate pair.</summary>
    [Fact]
    public void ARequestWithASurrogateHalfInAPropertyNameIsAnInvalidRequest()
    {
        using var document = JsonDocument.Parse("""{"messages":[{"role":"user","content":"Hi"}],"x_unknown_field":{" \ud800":null}}""");

        var error = Assert.Throws<InvalidChatRequestException>(() => ChatTemplateRequest.FromJson(document.RootElement));

        Assert.StartsWith("The request is not valid JSON: A property name is not valid UTF-16", error.Message, StringComparison.Ordinal);
    }
}
