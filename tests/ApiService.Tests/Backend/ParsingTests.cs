using System.Text;
using Aspire70B.ApiService.Backend;

namespace Aspire70B.ApiService.Tests.Backend;

public sealed class ParsingTests
{
    private static async Task<List<string>> Events(string text, int chunkSize)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var stream = new TrickleStream(bytes, chunkSize);
        var events = new List<string>();
        await foreach (var payload in SseEventReader.ReadAsync(stream, CancellationToken.None))
        {
            events.Add(Encoding.UTF8.GetString(payload.Span));
        }

        return events;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task SseEventsAreSplitWhereverTheBytesBreak(int chunkSize)
    {
        var events = await Events(": comment\n\ndata: {\"a\":1}\n\nevent: x\ndata:{\"b\":\"é\"}\r\n\r\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n", chunkSize);

        Assert.Equal(["{\"a\":1}", "{\"b\":\"é\"}", "line1\nline2", "[DONE]"], events);
    }

    [Fact]
    public async Task AnEventCutOffBeforeItsBlankLineIsDiscarded()
    {
        Assert.Equal(["a"], await Events("data: a\n\ndata: x\n", 2));
        Assert.Empty(await Events("data: x", 2));
    }

    [Theory]
    [InlineData("""{"error":{"message":"m1","type":"t","param":null,"code":400}}""", "m1")]
    [InlineData("""{"object":"error","message":"m2","type":"BadRequestError","code":400}""", "m2")]
    [InlineData("""{"error":"Unauthorized"}""", "Unauthorized")]
    [InlineData("""{"detail":"x"}""", null)]
    [InlineData("""<html>""", null)]
    public void ErrorMessagesAreReadFromEveryVllmShape(string body, string? message)
    {
        Assert.Equal(message, VllmErrorParser.TryGetMessage(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void AChunkWithSeveralChoicesAndANumericStopReasonParses()
    {
        var chunks = CompletionChunkParser.Parse("""{"choices":[{"index":0,"text":"a","finish_reason":null},{"index":1,"text":"","finish_reason":"stop","stop_reason":128009}],"usage":null}"""u8);

        Assert.Equal([new CompletionChunk(0, "a", null, null, null), new CompletionChunk(1, "", "stop", "128009", null)], chunks);
    }

    [Fact]
    public void TheFinalUsageBecomesAUsageOnlyChunkAfterTheChoices()
    {
        var chunks = CompletionChunkParser.Parse(
            """{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":12,"total_tokens":15,"completion_tokens":3,"prompt_tokens_details":null}}"""u8);

        Assert.Equal([new CompletionChunk(0, "", null, null, new CompletionUsage(12, 3))], chunks);
        Assert.True(chunks[0].IsUsageOnly);
    }

    [Fact]
    public void EscapedTextIsUnescapedAndWhatIsNotNeededIsSkipped()
    {
        var chunks = CompletionChunkParser.Parse(
            """{"choices":[{"logprobs":{"tokens":["a"],"top_logprobs":[{"a":-0.1}],"nested":[[1,{"x":[]}]]},"text":"caf\u00e9\n\"q\" \\ \ud83d\ude00","index":2,"finish_reason":"length","stop_reason":null,"extra":true}],"usage":null,"system_fingerprint":null}"""u8);

        Assert.Equal([new CompletionChunk(2, "café\n\"q\" \\ \U0001F600", "length", null, null)], chunks);
    }

    [Fact]
    public void AMissingOrNullTextIsEmpty()
    {
        var chunks = CompletionChunkParser.Parse("""{"choices":[{"index":0},{"index":1,"text":null,"finish_reason":"stop","stop_reason":"END"}]}"""u8);

        Assert.Equal([new CompletionChunk(0, "", null, null, null), new CompletionChunk(1, "", "stop", "END", null)], chunks);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"choices\":[")]
    [InlineData("{\"choices\":{\"index\":0}}")]
    [InlineData("{\"choices\":[{\"index\":\"zero\"}]}")]
    [InlineData("{\"choices\":[{\"index\":1.5}]}")]
    [InlineData("{\"usage\":{\"completion_tokens\":1}}")]
    [InlineData("{\"usage\":3}")]
    public void AnEventThatIsNotACompletionChunkIsABrokenUpstream(string payload)
    {
        var error = Assert.Throws<BackendException>(() => CompletionChunkParser.Parse(Encoding.UTF8.GetBytes(payload)));

        Assert.Equal(BackendFailure.Broken, error.Failure);
        Assert.Equal("The model server sent an event that is not a completion chunk.", error.Message);
    }

    [Theory]
    [InlineData("Endpoint=http://127.0.0.1:8000;Key=k;Model=m", "http://127.0.0.1:8000/", "k", "m")]
    [InlineData("Endpoint=https://x.modal.run;ModalKey=wk;ModalSecret=ws", "https://x.modal.run/", null, null)]
    public void ModelConnectionStringsParse(string text, string endpoint, string? key, string? model)
    {
        var connection = ModelConnection.Parse(text);

        Assert.Equal(new Uri(endpoint), connection.Endpoint);
        Assert.Equal(key, connection.Key);
        Assert.Equal(model, connection.Model);
        Assert.DoesNotContain("wk", connection.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Key=k", "needs Endpoint")]
    [InlineData("Endpoint=ftp://x", "not an absolute http(s) URL")]
    [InlineData("Endpoint=http://x;ModalKey=wk", "both ModalKey and ModalSecret")]
    public void BadModelConnectionStringsSayWhy(string text, string message)
    {
        Assert.Contains(message, Assert.Throws<FormatException>(() => ModelConnection.Parse(text)).Message, StringComparison.Ordinal);
    }

    private sealed class TrickleStream(byte[] data, int chunkSize) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunkSize, buffer.Length)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(chunkSize, count));
    }
}
