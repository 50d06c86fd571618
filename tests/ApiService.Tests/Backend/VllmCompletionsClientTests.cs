using System.Diagnostics;
using System.Text.Json;
using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Tests.Backend;

public sealed class VllmCompletionsClientTests : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;
    // The production handler: it never follows redirects.
    private readonly HttpClient _http = new(ModelServerHandler.Create());

    public async Task InitializeAsync() => _upstream = await ScriptedUpstream.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _upstream.DisposeAsync();
    }

    private VllmCompletionsClient Client(BackendOptions? options = null, string? extra = null, CircuitBreaker? breaker = null, ILogger<VllmCompletionsClient>? logger = null) => new(
        _http,
        ModelConnection.Parse($"Endpoint={_upstream.Endpoint};Key=secret-key;Model=m{extra}"),
        Options.Create(options ?? new BackendOptions { RetryDelay = TimeSpan.FromMilliseconds(10) }),
        breaker ?? new CircuitBreaker(5, TimeSpan.FromSeconds(30), TimeProvider.System),
        TimeProvider.System,
        logger ?? NullLogger<VllmCompletionsClient>.Instance);

    private static CompletionRequest Request => new()
    {
        Model = "m",
        Prompt = "<|begin_of_text|>Hi",
        MaxTokens = 8,
        Temperature = 0,
        Stop = ["END"],
        StopTokenIds = [128001, 128008, 128009],
    };

    private static async Task<List<CompletionChunk>> ReadAll(CompletionStream stream)
    {
        var chunks = new List<CompletionChunk>();
        await foreach (var chunk in stream.ReadAllAsync())
        {
            chunks.Add(chunk);
        }

        return chunks;
    }

    /// <summary>Reads until the stream fails: the texts that arrived first, and the failure.</summary>
    private static async Task<(List<string> Seen, BackendException Error)> ReadUntilFailureAsync(CompletionStream stream)
    {
        var seen = new List<string>();
        var error = await Assert.ThrowsAsync<BackendException>(async () =>
        {
            await foreach (var chunk in stream.ReadAllAsync())
            {
                seen.Add(chunk.Text);
            }
        });
        return (seen, error);
    }

    [Fact]
    public async Task StreamsChunksAndUsageAndSendsTheRenderedPromptWithoutAddingSpecialTokens()
    {
        _upstream.ThenEvents(ScriptedUpstream.Chunk("Hel"), ScriptedUpstream.Chunk("lo", "stop", "END"), ScriptedUpstream.Usage(5, 2), "[DONE]");

        await using var stream = await Client(extra: ";ModalKey=wk-1;ModalSecret=ws-2").OpenAsync(Request, CancellationToken.None);
        var chunks = await ReadAll(stream);

        Assert.Equal(
            [new CompletionChunk(0, "Hel", null, null, null), new CompletionChunk(0, "lo", "stop", "END", null), new CompletionChunk(0, "", null, null, new CompletionUsage(5, 2))],
            chunks);
        var (body, headers) = Assert.Single(_upstream.Requests);
        Assert.Equal(
            """{"model":"m","prompt":"\u003C|begin_of_text|\u003EHi","max_tokens":8,"n":1,"temperature":0,"stop":["END"],"stop_token_ids":[128001,128008,128009],"add_special_tokens":false,"stream":true,"stream_options":{"include_usage":true}}""",
            body);
        Assert.Equal("Bearer secret-key", headers["Authorization"]);
        Assert.Equal("wk-1", headers["Modal-Key"]);
        Assert.Equal("ws-2", headers["Modal-Secret"]);
    }

    [Fact]
    public async Task UnderWhenClientStreamsARequestThatNeedNotStreamIsAskedForInOnePieceAndReadAsChunks()
    {
        // vLLM's /v1/completions answer for n=2 (fields as vLLM 0.11 writes them).
        _upstream.ThenStatus(200, """{"id":"cmpl-9","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"Hello","logprobs":null,"finish_reason":"stop","stop_reason":"END","prompt_logprobs":null,"prompt_token_ids":null,"token_ids":null},{"index":1,"text":"Hi there","logprobs":null,"finish_reason":"length","stop_reason":null,"prompt_logprobs":null,"prompt_token_ids":null,"token_ids":null}],"service_tier":null,"system_fingerprint":null,"usage":{"prompt_tokens":5,"total_tokens":12,"completion_tokens":7,"prompt_tokens_details":null},"kv_transfer_params":null}""");
        var options = new BackendOptions { UpstreamStreaming = UpstreamStreaming.WhenClientStreams };

        await using var stream = await Client(options).OpenAsync(Request with { N = 2, Streamed = false }, CancellationToken.None);
        var chunks = await ReadAll(stream);

        Assert.Equal(
            [new CompletionChunk(0, "Hello", "stop", "END", null), new CompletionChunk(1, "Hi there", "length", null, null), new CompletionChunk(0, "", null, null, new CompletionUsage(5, 7))],
            chunks);
        Assert.Equal("cmpl-9", stream.ResponseId);
        // No stream_options: vLLM refuses them on a request that does not stream.
        Assert.Equal(
            """{"model":"m","prompt":"\u003C|begin_of_text|\u003EHi","max_tokens":8,"n":2,"temperature":0,"stop":["END"],"stop_token_ids":[128001,128008,128009],"add_special_tokens":false,"stream":false}""",
            Assert.Single(_upstream.Requests).Body);
    }

    [Theory]
    [InlineData(nameof(UpstreamStreaming.Always), false, "")]
    [InlineData(nameof(UpstreamStreaming.WhenClientStreams), true, "")]
    [InlineData(nameof(UpstreamStreaming.WhenClientStreams), false, ";ModalKey=wk-1;ModalSecret=ws-2")]
    public async Task OtherwiseTheCallStreams(string mode, bool streamed, string connection)
    {
        // By default; when the output is wanted as it comes; and on Modal, whose 150 s hold a long answer in one piece would hit.
        _upstream.ThenEvents(ScriptedUpstream.Chunk("ok", "stop"), ScriptedUpstream.Usage(1, 1), "[DONE]");

        await using var stream = await Client(new BackendOptions { UpstreamStreaming = Enum.Parse<UpstreamStreaming>(mode) }, connection).OpenAsync(Request with { Streamed = streamed }, CancellationToken.None);

        Assert.Equal("ok", (await ReadAll(stream))[0].Text);
        Assert.EndsWith(""","stream":true,"stream_options":{"include_usage":true}}""", Assert.Single(_upstream.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnswerInOnePieceIsNotHeldToTheFirstTokenTimeoutButToTheDeadline()
    {
        // Answers after 20 first-token timeouts: fine, the whole completion comes at once.
        _upstream.Then(async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"id":"cmpl-1","choices":[{"index":0,"text":"late","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""");
        });
        _upstream.ThenHold();
        BackendOptions Options(TimeSpan total) => new() { UpstreamStreaming = UpstreamStreaming.WhenClientStreams, FirstTokenTimeout = TimeSpan.FromMilliseconds(50), TotalTimeout = total };

        await using (var stream = await Client(Options(TimeSpan.FromMinutes(5))).OpenAsync(Request with { Streamed = false }, CancellationToken.None))
        {
            Assert.Equal("late", (await ReadAll(stream))[0].Text);
        }

        // Held past the deadline: a timeout (not retried), and the held request aborted.
        var error = await Assert.ThrowsAsync<BackendException>(() => Client(Options(TimeSpan.FromSeconds(1))).OpenAsync(Request with { Streamed = false }, CancellationToken.None));
        Assert.Equal(BackendFailure.Timeout, error.Failure);
        Assert.Equal("The completion took longer than the gateway allows (Backend:TotalTimeout).", error.Message);
        await _upstream.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, _upstream.Requests.Count);
    }

    [Theory]
    [InlineData("""{"error":{"message":"This model's maximum context length is 16 tokens.","type":"BadRequestError","param":"input_tokens","code":400}}""")]
    [InlineData("""{"object":"error","message":"This model's maximum context length is 16 tokens.","type":"BadRequestError","param":null,"code":400}""")]
    public async Task ABadRequestCarriesTheModelServersMessageInEitherShape(string body)
    {
        _upstream.ThenStatus(400, body);

        var error = await Assert.ThrowsAsync<BackendException>(() => Client().OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.Rejected, error.Failure);
        Assert.Equal("This model's maximum context length is 16 tokens.", error.Message);
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task RefusedCredentialsAreReportedWithoutTheCredentials()
    {
        _upstream.ThenStatus(401, """{"error":"Unauthorized"}""");

        var error = await Assert.ThrowsAsync<BackendException>(() => Client().OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.Unauthorized, error.Failure);
        Assert.DoesNotContain("secret-key", error.Message, StringComparison.Ordinal);
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task ServerErrorsAreRetriedBeforeAnyOutput()
    {
        _upstream.ThenStatus(503, "{}");
        _upstream.ThenStatus(500, "{}");
        _upstream.ThenEvents(ScriptedUpstream.Chunk("ok", "stop"), ScriptedUpstream.Usage(1, 1), "[DONE]");

        await using var stream = await Client().OpenAsync(Request, CancellationToken.None);

        Assert.Equal("ok", (await ReadAll(stream))[0].Text);
        Assert.Equal(3, _upstream.Requests.Count);
    }

    [Fact]
    public async Task RetriesAreBoundedAndEndAsUnavailable()
    {
        for (var i = 0; i < 5; i++)
        {
            _upstream.ThenStatus(502, "{}");
        }

        var error = await Assert.ThrowsAsync<BackendException>(() => Client(new BackendOptions { MaxRetries = 2, RetryDelay = TimeSpan.Zero }).OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.Unavailable, error.Failure);
        Assert.Equal(3, _upstream.Requests.Count);
    }

    [Fact]
    public async Task AnUnreachableServerIsUnavailable()
    {
        var client = new VllmCompletionsClient(
            _http, ModelConnection.Parse("Endpoint=http://127.0.0.1:1/"), Options.Create(new BackendOptions { MaxRetries = 1, RetryDelay = TimeSpan.Zero }),
            new CircuitBreaker(5, TimeSpan.FromSeconds(30), TimeProvider.System), TimeProvider.System, NullLogger<VllmCompletionsClient>.Instance);

        var error = await Assert.ThrowsAsync<BackendException>(() => client.OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.Unavailable, error.Failure);
        Assert.Equal("The model server is unreachable.", error.Message);
    }

    [Fact]
    public async Task AnErrorEventAfterOutputBreaksTheStreamWithItsMessage()
    {
        _upstream.ThenEvents(ScriptedUpstream.Chunk("partial"), """{"error":{"message":"engine died","type":"InternalServerError","param":null,"code":500}}""", "[DONE]");

        await using var stream = await Client().OpenAsync(Request, CancellationToken.None);
        var (seen, error) = await ReadUntilFailureAsync(stream);

        Assert.Equal(["partial"], seen);
        Assert.Equal(BackendFailure.Broken, error.Failure);
        Assert.Equal("engine died", error.Message);
    }

    [Fact]
    public async Task AGarbledEventAfterOutputBreaksTheStream()
    {
        _upstream.ThenEvents(ScriptedUpstream.Chunk("partial"), """{"choices":[{"index":"x"}]}""", ScriptedUpstream.Chunk("never"), "[DONE]");

        await using var stream = await Client().OpenAsync(Request, CancellationToken.None);
        var (seen, error) = await ReadUntilFailureAsync(stream);

        Assert.Equal(["partial"], seen);
        Assert.Equal(BackendFailure.Broken, error.Failure);
        Assert.Equal("The model server sent an event that is not a completion chunk.", error.Message);
    }

    [Fact]
    public async Task AStreamThatEndsWithoutDoneIsBrokenNotFinished()
    {
        _upstream.ThenEvents(ScriptedUpstream.Chunk("partial"));

        await using var stream = await Client().OpenAsync(Request, CancellationToken.None);
        var error = await Assert.ThrowsAsync<BackendException>(() => ReadAll(stream));

        Assert.Equal(BackendFailure.Broken, error.Failure);
    }

    [Fact]
    public async Task NoFirstTokenInTimeIsATimeoutAndIsNotRetried()
    {
        _upstream.Then(async context => await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted));

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<BackendException>(() =>
            Client(new BackendOptions { FirstTokenTimeout = TimeSpan.FromMilliseconds(300) }).OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.Timeout, error.Failure);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task ALongGapBetweenChunksIsATimeout()
    {
        _upstream.Then(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync($"data: {ScriptedUpstream.Chunk("a")}\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        });

        await using var stream = await Client(new BackendOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) }).OpenAsync(Request, CancellationToken.None);
        var error = await Assert.ThrowsAsync<BackendException>(() => ReadAll(stream));

        Assert.Equal(BackendFailure.Timeout, error.Failure);
        await _upstream.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AStreamThatFlowsPastTheTotalTimeoutIsCutAndTheUpstreamAborted()
    {
        _upstream.Then(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            while (true)
            {
                await context.Response.WriteAsync($"data: {ScriptedUpstream.Chunk("t")}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(50, context.RequestAborted);
            }
        });

        // Three seconds: a chunk every 50 ms, so at least two arrive before the cut even when a loaded machine spends
        // most of a second opening the stream.
        await using var stream = await Client(new BackendOptions { TotalTimeout = TimeSpan.FromSeconds(3), IdleTimeout = TimeSpan.FromSeconds(30) })
            .OpenAsync(Request, CancellationToken.None);
        var seen = 0;
        var error = await Assert.ThrowsAsync<BackendException>(async () =>
        {
            await foreach (var chunk in stream.ReadAllAsync())
            {
                seen++;
            }
        });

        Assert.Equal(BackendFailure.Timeout, error.Failure);
        Assert.Equal("The completion took longer than the gateway allows (Backend:TotalTimeout).", error.Message);
        Assert.True(seen >= 2, $"{seen} chunks before the cut");
        await _upstream.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(_upstream.Requests);
    }

    /// <summary>
    /// The deadline passes while the events already received are still being read: the read that finds it passed never
    /// reaches the connection, so the stream itself has to close it — the model server stops at once, not when the
    /// caller gets round to disposing the stream.
    /// </summary>
    [Fact]
    public async Task ADeadlinePassingWhileEventsAreBufferedStillAbortsTheUpstreamAtOnce()
    {
        _upstream.Then(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(
                $"data: {ScriptedUpstream.Chunk("a")}\n\ndata: {ScriptedUpstream.Chunk("b")}\n\ndata: {ScriptedUpstream.Chunk("c")}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
        });

        // Two seconds leave the opening (connect, first event) room on a loaded machine; the reader then sleeps four times that.
        await using var stream = await Client(new BackendOptions { TotalTimeout = TimeSpan.FromSeconds(2), IdleTimeout = TimeSpan.FromSeconds(60) })
            .OpenAsync(Request, CancellationToken.None);
        var texts = new List<string>();
        var error = await Assert.ThrowsAsync<BackendException>(async () =>
        {
            await foreach (var chunk in stream.ReadAllAsync())
            {
                texts.Add(chunk.Text);
                if (texts.Count == 1)
                {
                    // Far past the deadline: the other two events arrive meanwhile and wait in the reader's buffer.
                    await Task.Delay(TimeSpan.FromSeconds(8));
                }
            }
        });

        Assert.Equal(BackendFailure.Timeout, error.Failure);
        Assert.Equal(["a", "b", "c"], texts);
        await _upstream.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task AConnectionLostAfterOutputIsNotRetried()
    {
        _upstream.Then(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync($"data: {ScriptedUpstream.Chunk("partial")}\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(100);
            context.Abort();
        });
        _upstream.ThenEvents(ScriptedUpstream.Chunk("a retry would read this", "stop"), ScriptedUpstream.Usage(5, 1), "[DONE]");

        await using var stream = await Client().OpenAsync(Request, CancellationToken.None);
        var (seen, error) = await ReadUntilFailureAsync(stream);

        Assert.Equal(BackendFailure.Broken, error.Failure);
        Assert.Equal(["partial"], seen);
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task CancellingTheReadAbortsTheUpstreamRequest()
    {
        _upstream.Then(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            for (var i = 0; ; i++)
            {
                await context.Response.WriteAsync($"data: {ScriptedUpstream.Chunk("t")}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(20, context.RequestAborted);
            }
        });
        using var cancel = new CancellationTokenSource();

        await using (var stream = await Client().OpenAsync(Request, cancel.Token))
        {
            var count = 0;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var _ in stream.ReadAllAsync(cancel.Token))
                {
                    if (++count == 3)
                    {
                        await cancel.CancelAsync();
                    }
                }
            });
        }

        await _upstream.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AnOpenCircuitFailsFastWithoutCallingTheServer()
    {
        var breaker = new CircuitBreaker(2, TimeSpan.FromMinutes(1), TimeProvider.System);
        breaker.RecordFailure();
        breaker.RecordFailure();

        var error = await Assert.ThrowsAsync<BackendException>(() => Client(breaker: breaker).OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.Unavailable, error.Failure);
        Assert.Contains("circuit open", error.Message, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task StructuredOutputsAndSamplingArePassedThrough()
    {
        _upstream.ThenEvents(ScriptedUpstream.Chunk("{}", "stop"), ScriptedUpstream.Usage(1, 1), "[DONE]");
        var request = Request with { StructuredOutputsJson = """{"json_object":true}""", Seed = 7, TopP = 0.5, N = 2, CacheSalt = "tenant-a" };

        await using var stream = await Client().OpenAsync(request, CancellationToken.None);
        await ReadAll(stream);

        using var body = JsonDocument.Parse(_upstream.Requests[0].Body);
        Assert.Equal("""{"json_object":true}""", body.RootElement.GetProperty("structured_outputs").GetRawText());
        Assert.False(body.RootElement.TryGetProperty("response_format", out _));
        Assert.Equal(7, body.RootElement.GetProperty("seed").GetInt64());
        Assert.Equal(0.5, body.RootElement.GetProperty("top_p").GetDouble());
        Assert.Equal(2, body.RootElement.GetProperty("n").GetInt32());
        Assert.Equal("tenant-a", body.RootElement.GetProperty("cache_salt").GetString());
    }

    [Fact]
    public async Task ModalsColdStart303IsNeverFollowedButThePostIsSentAgainUntilTheModelAnswers()
    {
        _upstream.ThenRedirect();
        _upstream.ThenRedirect();
        _upstream.ThenEvents(ScriptedUpstream.Chunk("Hi", "stop"), "[DONE]");
        var logger = new ListLogger<VllmCompletionsClient>();
        var events = new List<ActivityEvent>();
        using var source = new ActivitySource("Aspire70B.Tests.ColdStart");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var client = Client(new BackendOptions { ColdStartRetryDelay = TimeSpan.FromMilliseconds(20), MaxRetries = 0 }, ";ModalKey=wk-1;ModalSecret=ws-2", logger: logger);

        List<CompletionChunk> chunks;
        using (var span = source.StartActivity("chat"))
        {
            await using var stream = await client.OpenAsync(Request, CancellationToken.None);
            chunks = await ReadAll(stream);
            events.AddRange(span!.Events);
        }

        Assert.Equal([new CompletionChunk(0, "Hi", "stop", null, null)], chunks);
        Assert.Equal(3, _upstream.Requests.Count);
        Assert.All(_upstream.Requests, r => Assert.Equal(_upstream.Requests[0].Body, r.Body));
        Assert.Empty(_upstream.OtherRequests);
        var lines = logger.Lines.Where(l => l.EventId == 2002).ToList();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("Model server is cold-starting (Modal answered 303 after holding the request (its 150 s limit) while the model starts); cold-start attempt 1, ", lines[0].Message, StringComparison.Ordinal);
        Assert.Equal([VllmCompletionsClient.ColdStartEvent, VllmCompletionsClient.ColdStartEvent], events.Select(e => e.Name));
        Assert.Equal([1, 2], events.Select(e => (int)e.Tags.First(t => t.Key == "aspire70b.cold_start.attempt").Value!));
        Assert.All(events, e => Assert.Equal(303, e.Tags.First(t => t.Key == "http.response.status_code").Value));
    }

    [Fact]
    public async Task AColdStartThatOutlastsTheRequestsDeadlineEndsAsAColdStartFailure()
    {
        for (var i = 0; i < 200; i++)
        {
            _upstream.ThenRedirect();
        }

        var logger = new ListLogger<VllmCompletionsClient>();
        // Attempts at about 0, 4 and 8 s; after the third the next wait would pass the 12 s deadline. Each attempt has at
        // least 4 s left, so a loaded machine's slow loopback call still ends as a cold start, not a timeout.
        var options = new BackendOptions { TotalTimeout = TimeSpan.FromSeconds(12), ColdStartRetryDelay = TimeSpan.FromSeconds(4) };

        var error = await Assert.ThrowsAsync<BackendException>(() => Client(options, logger: logger).OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.ColdStart, error.Failure);
        Assert.Matches(@"^The model server was still starting after \d+ s \(\d+ attempts\); the request's deadline has passed\.$", error.Message);
        Assert.True(_upstream.Requests.Count >= 2, $"{_upstream.Requests.Count} requests");
        Assert.Empty(_upstream.OtherRequests);
        Assert.Single(logger.Lines, l => l.EventId == 2003);
    }

    [Fact]
    public async Task AModalEndpointHoldingTheRequestPastTheFirstTokenTimeoutIsAColdStart()
    {
        _upstream.ThenHold();
        _upstream.ThenEvents(ScriptedUpstream.Chunk("Hi", "stop"), "[DONE]");
        var options = new BackendOptions { FirstTokenTimeout = TimeSpan.FromMilliseconds(500), ColdStartRetryDelay = TimeSpan.Zero, MaxRetries = 0 };

        await using var stream = await Client(options, ";ModalKey=wk-1;ModalSecret=ws-2").OpenAsync(Request, CancellationToken.None);

        Assert.Equal("Hi", Assert.Single(await ReadAll(stream)).Text);
        // One request was held (and given up on), a later one answered; on a loaded machine a given-up request may not
        // have reached the server's handler, so more than two may have been sent.
        Assert.True(_upstream.Requests.Count >= 2, $"{_upstream.Requests.Count} requests");
    }

    [Fact]
    public async Task AServerThatIsNotModalHoldingTheRequestIsATimeoutNotAColdStart()
    {
        _upstream.ThenHold();
        var options = new BackendOptions { FirstTokenTimeout = TimeSpan.FromMilliseconds(500), ColdStartRetryDelay = TimeSpan.Zero };

        var error = await Assert.ThrowsAsync<BackendException>(() => Client(options).OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.Timeout, error.Failure);
        // Not sent again (on a loaded machine the one request may not have reached the server's handler in time).
        Assert.True(_upstream.Requests.Count <= 1, $"{_upstream.Requests.Count} requests");
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    public async Task AnyOtherRedirectIsNeitherFollowedNorRetried(int status)
    {
        _upstream.ThenRedirect(status);

        var error = await Assert.ThrowsAsync<BackendException>(() => Client().OpenAsync(Request, CancellationToken.None));

        Assert.Equal(BackendFailure.Redirected, error.Failure);
        Assert.Equal($"The model server answered with a redirect (HTTP {status}), which the gateway does not follow.", error.Message);
        Assert.Single(_upstream.Requests);
        Assert.Empty(_upstream.OtherRequests);
    }

    [Fact]
    public async Task ADefaultHttpClientWouldHaveTurnedThePostIntoAGet()
    {
        // Why the handler matters: .NET's default handler follows a 303 with a GET.
        _upstream.ThenRedirect();
        using var following = new HttpClient();

        using var response = await following.PostAsync(new Uri(_upstream.Endpoint, "v1/completions"), new StringContent("{}"));

        Assert.Equal(405, (int)response.StatusCode);
        Assert.Equal(["GET /v1/completions?__modal_function_call_id=fc-test"], _upstream.OtherRequests);
    }
}
