using System.Text.RegularExpressions;
using Aspire70B.Serving.Templates;

namespace Aspire70B.Serving.Tests.Templates;

/// <summary>Llama 3.1 JSON tool calls back to OpenAI's shape, and the streaming hold-back rule.</summary>
public sealed partial class ModelOutputParserTests
{
    private static readonly string[] Tools = ["get_weather", "add"];

    [Fact]
    public void OneCallWithParametersBecomesAToolCallWithCompactArguments()
    {
        var output = Parse("""{"name": "get_weather", "parameters": {"city": "Paris", "days": 1.50, "units": ["c"], "note": "é 🚀"}}""");
        Assert.True(output.HasToolCalls);
        Assert.Null(output.Content);
        Assert.Equal("tool_calls", output.FinishReason);
        Assert.Equal([new ToolCall("call_1", "get_weather", """{"city":"Paris","days":1.5,"units":["c"],"note":"é 🚀"}""")], output.ToolCalls);
    }

    [Fact]
    public void ArgumentsIsAcceptedInsteadOfParameters()
    {
        var output = Parse("""{"arguments": {"a": 1, "b": 2}, "name": "add"}""");
        Assert.Equal([new ToolCall("call_1", "add", """{"a":1,"b":2}""")], output.ToolCalls);
    }

    [Theory]
    [InlineData("<|python_tag|>{\"name\": \"add\", \"parameters\": {}}")]
    [InlineData("  \n<|python_tag|> \n{\"name\": \"add\", \"parameters\": {}}\n ")]
    [InlineData("\n\n{\"name\": \"add\", \"parameters\": {}}")]
    [InlineData("{\"name\": \"add\", \"parameters\": {}};")]
    public void PythonTagAndSurroundingWhitespaceAreAllowed(string text) =>
        Assert.Equal([new ToolCall("call_1", "add", "{}")], Parse(text).ToolCalls);

    [Fact]
    public void SeveralCallsSeparatedBySemicolonsKeepTheirOrder()
    {
        var output = Parse("""{"name": "add", "parameters": {"a": 1}}; {"name": "get_weather", "arguments": {"city": "}{;"}} ;{"name": "add", "parameters": {"a": 2}}""");
        Assert.Equal(
            [
                new ToolCall("call_1", "add", """{"a":1}"""),
                new ToolCall("call_2", "get_weather", """{"city":"}{;"}"""),
                new ToolCall("call_3", "add", """{"a":2}"""),
            ],
            output.ToolCalls);
    }

    [Theory]
    [InlineData("{\"name\": \"delete_everything\", \"parameters\": {}}")]
    [InlineData("{\"name\": \"add\", \"parameters\": {}}; {\"name\": \"nope\", \"parameters\": {}}")]
    [InlineData("{\"name\": \"add\", \"parameters\": {\"a\": 1,}}")]
    [InlineData("{\"name\": \"add\", \"parameters\": {\"a\": 1}")]
    [InlineData("{\"name\": \"add\"}")]
    [InlineData("{\"name\": \"add\", \"parameters\": {}, \"arguments\": {}}")]
    [InlineData("{\"name\": \"add\", \"parameters\": \"{}\"}")]
    [InlineData("{\"name\": 3, \"parameters\": {}}")]
    [InlineData("{\"name\": \"add\", \"parameters\": {}} Done.")]
    [InlineData("{\"name\": \"add\", \"parameters\": {}}, {\"name\": \"add\", \"parameters\": {}}")]
    [InlineData("[{\"name\": \"add\", \"parameters\": {}}]")]
    [InlineData("Sure: {\"name\": \"add\", \"parameters\": {}}")]
    [InlineData("<|python_tag|>brave_search.call(query=\"x\")")]
    [InlineData("{ answer }")]
    [InlineData("")]
    public void AnythingElseStaysContentUnchanged(string text)
    {
        var output = Parse(text);
        Assert.False(output.HasToolCalls);
        Assert.Null(output.FinishReason);
        Assert.Equal(text, output.Content);
    }

    [Fact]
    public void NothingIsAToolCallWhenNoToolsWereOffered()
    {
        const string Text = """{"name": "add", "parameters": {}}""";
        var parser = ChatTemplates.Get(ChatTemplates.Llama31Instruct).CreateOutputParser([]);
        Assert.Equal(Text, parser.Append(Text));
        Assert.Equal(new ModelOutput(string.Empty, []), parser.Complete());
    }

    [Fact]
    public void Llama2NeverParsesToolCalls()
    {
        const string Text = """{"name": "add", "parameters": {}}""";
        var output = ChatTemplates.Get(ChatTemplates.Llama2Chat).CreateOutputParser(Tools).ParseAll(Text);
        Assert.Equal(Text, output.Content);
    }

    [Fact]
    public void CallIdsAreRandomAndUnique()
    {
        var parser = ChatTemplates.Get(ChatTemplates.Llama31Instruct).CreateOutputParser(Tools);
        var output = parser.ParseAll("""{"name": "add", "parameters": {}}; {"name": "add", "parameters": {}}""");
        Assert.All(output.ToolCalls, call => Assert.Matches(CallId(), call.Id));
        Assert.NotEqual(output.ToolCalls[0].Id, output.ToolCalls[1].Id);
    }

    [Fact]
    public void ContentStreamsImmediately()
    {
        var parser = NewParser();
        Assert.Equal("Hello", parser.Append("Hello"));
        Assert.Equal(" {world}", parser.Append(" {world}"));
        Assert.False(parser.IsHolding);
        Assert.Equal(new ModelOutput(string.Empty, []), parser.Complete());
    }

    [Fact]
    public void LeadingWhitespaceIsHeldUntilTheFirstVisibleCharacterDecides()
    {
        var parser = NewParser();
        Assert.Equal(string.Empty, parser.Append(" \n"));
        Assert.True(parser.IsHolding);
        Assert.Equal(" \nHi", parser.Append("Hi"));
    }

    [Fact]
    public void PossibleToolCallIsHeldToTheEndAndThenReturnedAsCalls()
    {
        var parser = NewParser();
        foreach (var chunk in new[] { "<|py", "thon_tag|>", "{\"name\": \"ad", "d\", \"parameters\": {\"a\": 1}}", "  " })
        {
            Assert.Equal(string.Empty, parser.Append(chunk));
            Assert.True(parser.IsHolding);
        }

        Assert.Equal([new ToolCall("call_1", "add", """{"a":1}""")], parser.Complete().ToolCalls);
    }

    [Theory]
    [InlineData(new[] { "<|py", "x" }, "<|pyx")]
    [InlineData(new[] { "<", "b>bold" }, "<b>bold")]
    [InlineData(new[] { "{", "x" }, "{x")]
    [InlineData(new[] { "{\"answer\": ", "42}" }, "{\"answer\": 42}")]
    [InlineData(new[] { "{\"name\": \"add\", \"parameters\": {}}", " thanks" }, "{\"name\": \"add\", \"parameters\": {}} thanks")]
    [InlineData(new[] { "<|python_tag|>", "brave" }, "<|python_tag|>brave")]
    public void HeldTextIsReleasedAsSoonAsItCannotBeAToolCall(string[] chunks, string released)
    {
        var parser = NewParser();
        for (var i = 0; i < chunks.Length - 1; i++)
        {
            Assert.Equal(string.Empty, parser.Append(chunks[i]));
        }

        Assert.Equal(released, parser.Append(chunks[^1]));
        Assert.False(parser.IsHolding);
        Assert.Equal(" more", parser.Append(" more"));
        Assert.Equal(new ModelOutput(string.Empty, []), parser.Complete());
    }

    [Fact]
    public void UnfinishedObjectIsHeldToTheEndAndThenReleasedAsContent()
    {
        var parser = NewParser();
        Assert.Equal(string.Empty, parser.Append("{\"name\": \"add\", \"parameters\": {"));
        Assert.Equal(new ModelOutput("{\"name\": \"add\", \"parameters\": {", []), parser.Complete());
    }

    [Fact]
    public void ChunkBoundariesDoNotChangeTheDecision()
    {
        const string Text = """ <|python_tag|>{"name": "add", "parameters": {"s": "a\"}b"}}; {"name": "get_weather", "arguments": {}}""";
        var whole = Parse(Text);
        var parser = NewParser();
        foreach (var c in Text)
        {
            Assert.Equal(string.Empty, parser.Append(c.ToString()));
        }

        Assert.Equal(whole.ToolCalls, parser.Complete().ToolCalls);
        Assert.Equal(2, whole.ToolCalls.Count);
    }

    [Fact]
    public void AppendAfterCompleteIsAnError()
    {
        var parser = NewParser();
        parser.Complete();
        Assert.Throws<InvalidOperationException>(() => parser.Append("x"));
        Assert.Throws<InvalidOperationException>(() => parser.Complete());
    }

    private static ModelOutput Parse(string text) => NewParser().ParseAll(text);

    private static ModelOutputParser NewParser()
    {
        var next = 0;
        return new ModelOutputParser(parsesToolCalls: true, Tools, () => $"call_{++next}");
    }

    [GeneratedRegex("^call_[A-Za-z0-9]{24}$")]
    private static partial Regex CallId();
}
