using System.Text.Json;
using Aspire70B.Connector.Wire;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector.Tests.Wire;

/// <summary>OpenAI's response objects, chunks and error events read into Microsoft.Extensions.AI types.</summary>
public sealed class ResponseReaderTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void AWholeResponseWithAToolCallBecomesAFunctionCallWithParsedArguments()
    {
        var response = ChatResponseReader.Read(Json(
            """{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"days\":2}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":30,"completion_tokens":12,"total_tokens":42,"prompt_tokens_details":{"cached_tokens":30}}}"""));

        Assert.Equal("chatcmpl-1", response.ResponseId);
        Assert.Equal("m", response.ModelId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), response.CreatedAt);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(Assert.Single(response.Messages).Contents));
        Assert.Equal(("call_9", "get_weather"), (call.CallId, call.Name));
        Assert.Equal("Paris", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.Equal(2, ((JsonElement)call.Arguments["days"]!).GetInt32());
        Assert.Equal((30L, 12L, 42L, 30L), (response.Usage!.InputTokenCount!.Value, response.Usage.OutputTokenCount!.Value, response.Usage.TotalTokenCount!.Value, response.Usage.CachedInputTokenCount!.Value));
    }

    [Fact]
    public void ArgumentsThatAreNotJsonAreKeptAsAParseFailureOnTheCall()
    {
        var response = ChatResponseReader.Read(Json(
            """{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{not json"}}]},"finish_reason":"tool_calls"}]}"""));

        var call = Assert.IsType<FunctionCallContent>(Assert.Single(response.Messages[0].Contents));
        Assert.NotNull(call.Exception);
    }

    [Fact]
    public void ToolCallFragmentsAreGatheredAndDeliveredWholeWithTheFinish()
    {
        var reader = new ChatChunkReader();
        string[] chunks =
        [
            """{"id":"c1","model":"m","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""",
            """{"id":"c1","model":"m","created":1,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]},"finish_reason":null}]}""",
            """{"id":"c1","model":"m","created":1,"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Oslo\"}"}}]},"finish_reason":null}]}""",
            """{"id":"c1","model":"m","created":1,"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
            """{"id":"c1","model":"m","created":1,"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}""",
        ];

        var updates = chunks.Select(c => reader.Read(Json(c))).ToList();

        Assert.Equal(ChatRole.Assistant, updates[0]!.Role);
        Assert.Empty(updates[0]!.Contents);
        Assert.Null(updates[1]);
        Assert.Null(updates[2]);
        Assert.Equal(ChatFinishReason.ToolCalls, updates[3]!.FinishReason);
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(updates[3]!.Contents));
        Assert.Equal(("call_1", "get_weather", "Oslo"), (call.CallId, call.Name, ((JsonElement)call.Arguments!["city"]!).GetString()));
        var usage = Assert.IsType<UsageContent>(Assert.Single(updates[4]!.Contents));
        Assert.Equal((5L, 7L, 12L), (usage.Details.InputTokenCount!.Value, usage.Details.OutputTokenCount!.Value, usage.Details.TotalTokenCount!.Value));
        Assert.Empty(reader.Flush());
    }

    [Fact]
    public void AnErrorEventBecomesAMidStreamExceptionWithTheServersFields()
    {
        Assert.True(ErrorReader.TryReadStreamError(Json("""{"error":{"message":"The model server failed mid-response.","type":"server_error","param":null,"code":"bad_gateway"}}"""), out var error));

        Assert.Equal("The model server failed mid-response.", error!.Message);
        Assert.Equal(("server_error", "bad_gateway", (string?)null), (error.ErrorType, error.ErrorCode, error.Param));
        Assert.True(error.MidStream);
        Assert.Null(error.StatusCode);
        Assert.False(ErrorReader.TryReadStreamError(Json("""{"id":"c","choices":[]}"""), out _));
    }

    [Fact]
    public async Task ServerSentEventsAreSplitOnBlankLinesAndACutOffEventIsDropped()
    {
        using var stream = new MemoryStream("data: {\"a\":1}\n\n: comment\nevent: x\ndata: line1\ndata: line2\n\ndata: [DONE]\n\ndata: {\"cut"u8.ToArray());

        var events = new List<string>();
        await foreach (var data in SseEventReader.ReadAsync(stream, CancellationToken.None))
        {
            events.Add(data);
        }

        Assert.Equal(["{\"a\":1}", "line1\nline2", "[DONE]"], events);
    }
}

/// <summary>What the client makes of answers that are not the gateway's, served by a handler instead of a network.</summary>
public sealed class MalformedAnswerTests
{
    private static IChatClient Client(string body, string mediaType) => Aspire70BChatClientFactory.Create(
        new Aspire70BChatClientOptions { Endpoint = new Uri("http://127.0.0.1:9/") },
        new HttpClient(new FixedAnswer(body, mediaType)));

    [Fact]
    public async Task A200ThatIsNotJsonIsAGatewayFailure()
    {
        using var client = Client("<html>proxy</html>", "text/html");

        var error = await Assert.ThrowsAsync<Aspire70BException>(() => client.GetResponseAsync("Hi"));

        Assert.Equal("The gateway's response is not a JSON chat completion.", error.Message);
        Assert.Equal(System.Net.HttpStatusCode.OK, error.StatusCode);
    }

    [Fact]
    public async Task AStreamThatEndsWithoutDoneIsAnErrorAfterItsText()
    {
        using var client = Client(
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
            "text/event-stream");
        var text = new System.Text.StringBuilder();

        var error = await Assert.ThrowsAsync<Aspire70BException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("Hi"))
            {
                text.Append(update.Text);
            }
        });

        Assert.Equal("Hel", text.ToString());
        Assert.Equal("The gateway's stream ended without [DONE]: the answer is incomplete.", error.Message);
        Assert.True(error.MidStream);
    }

    private sealed class FixedAnswer(string body, string mediaType) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(body, System.Text.Encoding.UTF8, mediaType) });
    }
}
