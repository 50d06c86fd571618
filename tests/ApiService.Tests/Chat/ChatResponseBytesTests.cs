using System.Text;
using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Chat;
using Aspire70B.Serving.Templates;
using Microsoft.AspNetCore.Http;

namespace Aspire70B.ApiService.Tests.Chat;

/// <summary>
/// The exact bytes the gateway writes for a chat answer, streamed and whole: OpenAI's field order, System.Text.Json's
/// default escaping (quotes, control characters, HTML-sensitive and non-ASCII characters as <c>\uXXXX</c>), one event
/// per chunk. Clients parse these, so a change to how they are written must not change a byte.
/// </summary>
public sealed class ChatResponseBytesTests
{
    // An id and a model that need escaping too, since both are written into every chunk.
    private static readonly ChunkHeader Header = new("chatcmpl-<1>", 1733000000, "llama \"70b\"");

    private const string Prefix = """{"id":"chatcmpl-\u003C1\u003E","object":"chat.completion.chunk","created":1733000000,"model":"llama \u002270b\u0022","choices":[""";

    [Fact]
    public async Task AStreamIsWrittenByteForByte()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var sink = new SseChatResponseSink(context.Response, Header, choices: 2, includeUsage: true);

        await sink.StartAsync(CancellationToken.None);
        await sink.WriteAsync(new ContentDelta(0, "Hi \"there\"\n<b>&'é"), CancellationToken.None);
        await sink.WriteAsync(new ContentDelta(1, "🙂\t\\"), CancellationToken.None);
        await sink.WriteAsync(new ToolCallsEvent(1, [new ToolCall("call_1", "get_weather", """{"city":"Oslo"}""")]), CancellationToken.None);
        await sink.WriteAsync(new FinishEvent(0, "stop"), CancellationToken.None);
        await sink.WriteAsync(new FinishEvent(1, "tool_calls"), CancellationToken.None);
        await sink.WriteAsync(new UsageEvent(new CompletionUsage(12, 7), FromCache: true), CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);

        string[] events =
        [
            Prefix + """{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""",
            Prefix + """{"index":1,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""",
            Prefix + """{"index":0,"delta":{"content":"Hi \u0022there\u0022\n\u003Cb\u003E\u0026\u0027\u00E9"},"logprobs":null,"finish_reason":null}]}""",
            Prefix + """{"index":1,"delta":{"content":"\uD83D\uDE42\t\\"},"logprobs":null,"finish_reason":null}]}""",
            Prefix + """{"index":1,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022:\u0022Oslo\u0022}"}}]},"logprobs":null,"finish_reason":null}]}""",
            Prefix + """{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}""",
            Prefix + """{"index":1,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}""",
            Prefix + """],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":12}}}""",
            "[DONE]",
        ];
        Assert.Equal(string.Concat(events.Select(e => $"data: {e}\n\n")), Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task AWholeAnswerIsWrittenByteForByte()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        var sink = new JsonChatResponseSink(context.Response, Header);

        await sink.WriteAsync(new ContentDelta(0, "Hi \"there\"\n"), CancellationToken.None);
        await sink.WriteAsync(new ContentDelta(0, "<b>é🙂"), CancellationToken.None);
        await sink.WriteAsync(new ToolCallsEvent(1, [new ToolCall("call_1", "get_weather", """{"city":"Oslo"}""")]), CancellationToken.None);
        await sink.WriteAsync(new FinishEvent(0, "length"), CancellationToken.None);
        await sink.WriteAsync(new FinishEvent(1, "tool_calls"), CancellationToken.None);
        await sink.WriteAsync(new UsageEvent(new CompletionUsage(12, 7), FromCache: false), CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);

        const string expected = """{"id":"chatcmpl-\u003C1\u003E","object":"chat.completion","created":1733000000,"model":"llama \u002270b\u0022","choices":[""" +
            """{"index":0,"message":{"role":"assistant","content":"Hi \u0022there\u0022\n\u003Cb\u003E\u00E9\uD83D\uDE42"},"logprobs":null,"finish_reason":"length"},""" +
            """{"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022:\u0022Oslo\u0022}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],""" +
            "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}";
        Assert.Equal(expected, Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(body.Length, context.Response.ContentLength);
        Assert.Equal("application/json", context.Response.ContentType);
    }
}
