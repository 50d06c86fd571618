using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Backend;

/// <summary>
/// Calls a vLLM-compatible server's <c>/v1/completions</c>, streaming (a non-streaming client request is aggregated by
/// the caller, so time to first token is measured the same way for both and nothing is buffered), or — for a request
/// that need not stream, under <see cref="UpstreamStreaming.WhenClientStreams"/> — in one piece, read whole and handed
/// out as a stream of one event.
/// Retries connection failures and 5xx with backoff, but only until the first event has arrived: after that the
/// caller may already have written to its client. A cold start before the first event — Modal's 303 for a request it
/// held 150 s, or a Modal endpoint holding the request past the first-token timeout — is not a failure: the request is
/// sent again every <see cref="BackendOptions.ColdStartRetryDelay"/> until the model answers or the request's own
/// deadline (<see cref="BackendOptions.TotalTimeout"/>) would pass, each wait logged and recorded as a span event.
/// Redirects are never followed (the HttpClient is configured with <c>AllowAutoRedirect=false</c>).
/// </summary>
internal sealed partial class VllmCompletionsClient(
    HttpClient http,
    ModelConnection connection,
    IOptions<BackendOptions> options,
    CircuitBreaker breaker,
    TimeProvider time,
    ILogger<VllmCompletionsClient> logger)
{
    /// <summary>The span event recorded for each cold-start wait.</summary>
    public const string ColdStartEvent = "aspire70b.model_server.cold_start";

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly ReadOnlyMemory<byte> Done = "[DONE]"u8.ToArray();

    private readonly BackendOptions _options = options.Value;

    public ModelConnection Connection => connection;

    /// <summary>Sends the request and waits for its first event; the returned stream yields that event first.</summary>
    /// <exception cref="BackendException">The call failed before any output (after retries where they apply).</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public Task<CompletionStream> OpenAsync(CompletionRequest request, CancellationToken cancellationToken) => OpenAsync(request, null, cancellationToken);

    /// <summary>As <see cref="OpenAsync(CompletionRequest, CancellationToken)"/>, with <paramref name="maxRetries"/> retries of a
    /// transient failure instead of <see cref="BackendOptions.MaxRetries"/> (0 when another replica can take the request).</summary>
    public async Task<CompletionStream> OpenAsync(CompletionRequest request, int? maxRetries, CancellationToken cancellationToken)
    {
        var streamed = request.Streamed || connection.IsModal || _options.UpstreamStreaming == UpstreamStreaming.Always;
        var body = CompletionRequestWriter.Write(request, streamed);
        var headers = request.ForwardedHeaders;
        var started = time.GetTimestamp();
        var coldStarts = 0;
        for (var attempt = 0; ; attempt++)
        {
            if (!breaker.TryEnter())
            {
                throw new BackendException(BackendFailure.Unavailable, "The model server is failing; requests are paused briefly (circuit open).");
            }

            var remaining = _options.TotalTimeout - time.GetElapsedTime(started);
            try
            {
                var stream = await OpenOnceAsync(body, headers, remaining, streamed, cancellationToken).ConfigureAwait(false);
                breaker.RecordSuccess();
                return stream;
            }
            catch (BackendException e) when (e.Failure == BackendFailure.ColdStart)
            {
                // Modal's edge answered: the server is reachable, only not up yet.
                breaker.RecordSuccess();
                coldStarts++;
                attempt--;
                var waited = time.GetElapsedTime(started);
                Activity.Current?.AddEvent(new ActivityEvent(ColdStartEvent, tags: new ActivityTagsCollection
                {
                    ["aspire70b.cold_start.attempt"] = coldStarts,
                    ["aspire70b.cold_start.waited_s"] = Math.Round(waited.TotalSeconds, 3),
                    ["http.response.status_code"] = e.UpstreamStatus,
                }));
                if (waited + _options.ColdStartRetryDelay >= _options.TotalTimeout)
                {
                    LogColdStartGaveUp(logger, coldStarts, waited.TotalSeconds);
                    throw new BackendException(BackendFailure.ColdStart,
                        $"The model server was still starting after {waited.TotalSeconds:0} s ({coldStarts} attempts); the request's deadline has passed.", e.UpstreamStatus, e);
                }

                LogColdStart(logger, e.Message, coldStarts, waited.TotalSeconds, _options.ColdStartRetryDelay.TotalMilliseconds);
                await Task.Delay(_options.ColdStartRetryDelay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (BackendException e) when (e.IsTransient || e.Failure == BackendFailure.Timeout)
            {
                breaker.RecordFailure();
                if (attempt >= (maxRetries ?? _options.MaxRetries) || e.Failure == BackendFailure.Timeout)
                {
                    throw;
                }

                var delay = _options.RetryDelay * Math.Pow(2, attempt) * (0.8 + Random.Shared.NextDouble() * 0.4);
                LogRetrying(logger, attempt + 1, delay.TotalMilliseconds, e.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (BackendException)
            {
                // The server answered (bad request, bad credentials): it is up.
                breaker.RecordSuccess();
                throw;
            }
        }
    }

    private async Task<CompletionStream> OpenOnceAsync(
        ReadOnlyMemory<byte> body, IReadOnlyList<KeyValuePair<string, string>> headers, TimeSpan budget, bool streamed, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(connection.Endpoint, "v1/completions"))
        {
            Content = new ReadOnlyMemoryContent(body) { Headers = { ContentType = Json } },
        };
        if (connection.Key is { } key)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (connection.ModalKey is { } modalKey && connection.ModalSecret is { } modalSecret)
        {
            message.Headers.Add("Modal-Key", modalKey);
            message.Headers.Add("Modal-Secret", modalSecret);
        }

        foreach (var (name, value) in headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        var total = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        total.CancelAfter(budget > TimeSpan.Zero ? budget : TimeSpan.FromMilliseconds(1));
        var step = CancellationTokenSource.CreateLinkedTokenSource(total.Token);
        if (streamed)
        {
            // An answer in one piece comes when the whole completion is done: only the request's deadline bounds it.
            step.CancelAfter(_options.FirstTokenTimeout);
        }

        HttpResponseMessage? response = null;
        CompletionStream? stream = null;
        var opened = false;
        try
        {
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, step.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await FailureFromResponseAsync(response, step.Token).ConfigureAwait(false);
            }

            var events = streamed
                ? SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(step.Token).ConfigureAwait(false), step.Token).GetAsyncEnumerator(step.Token)
                : WholeAnswer(await response.Content.ReadAsByteArrayAsync(step.Token).ConfigureAwait(false)).GetAsyncEnumerator(step.Token);
            stream = new CompletionStream(response, events, total, step, _options.IdleTimeout, cancellationToken) { Streamed = streamed };
            await stream.ReadFirstAsync().ConfigureAwait(false);
            opened = true;
            return stream;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (response is null && connection.IsModal)
            {
                // Modal holds a request while a container starts, before any response header: a cold start (also when the
                // request's deadline passes during the hold: the caller then gives up on the cold start).
                throw new BackendException(BackendFailure.ColdStart, "Modal held the request without an answer");
            }

            throw new BackendException(BackendFailure.Timeout, streamed
                ? "The model server did not start answering in time."
                : "The completion took longer than the gateway allows (Backend:TotalTimeout).");
        }
        catch (HttpRequestException e)
        {
            throw new BackendException(BackendFailure.Unavailable, "The model server is unreachable.", null, e);
        }
        catch (IOException e)
        {
            throw new BackendException(BackendFailure.Unavailable, "The model server's stream broke off before any output.", null, e);
        }
        finally
        {
            if (!opened)
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }

                response?.Dispose();
                step.Dispose();
                total.Dispose();
            }
        }
    }

    // A /v1/completions answer has the shape of a stream's event, with every choice's whole text: it is read as the
    // one event of a stream that then ends as a stream does.
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> WholeAnswer(byte[] answer)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return answer;
        yield return Done;
    }

    private static async Task<BackendException> FailureFromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        byte[] bytes;
        try
        {
            bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            bytes = [];
        }

        var upstream = VllmErrorParser.TryGetMessage(bytes);
        response.Dispose();
        return response.StatusCode switch
        {
            HttpStatusCode.SeeOther =>
                new BackendException(BackendFailure.ColdStart, "Modal answered 303 after holding the request (its 150 s limit) while the model starts", status),
            >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest =>
                new BackendException(BackendFailure.Redirected, $"The model server answered with a redirect (HTTP {status}), which the gateway does not follow.", status),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.ProxyAuthenticationRequired =>
                new BackendException(BackendFailure.Unauthorized, "The model server refused the gateway's credentials.", status),
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError =>
                new BackendException(BackendFailure.Unavailable, $"The model server failed with HTTP {status}.", status),
            _ => new BackendException(BackendFailure.Rejected, upstream ?? $"The model server rejected the request with HTTP {status}.", status),
        };
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Model server call failed ({Reason}); retry {Attempt} in {DelayMs:0} ms")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delayMs, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Model server is cold-starting ({Reason}); cold-start attempt {Attempt}, {WaitedSeconds:0.#} s waited, sending the request again in {DelayMs:0} ms")]
    private static partial void LogColdStart(ILogger logger, string reason, int attempt, double waitedSeconds, double delayMs);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Model server still cold-starting after {Attempts} attempts and {WaitedSeconds:0.#} s; the request's deadline has passed")]
    private static partial void LogColdStartGaveUp(ILogger logger, int attempts, double waitedSeconds);
}

/// <summary>
/// An open completion stream: the first event already read, the rest read on demand with an idle timeout per
/// event. Disposing it aborts the HTTP request, which vLLM treats as a client abort and frees the sequence.
/// </summary>
internal sealed class CompletionStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<ReadOnlyMemory<byte>> _events;
    private readonly CancellationTokenSource _total;
    private readonly CancellationTokenSource _step;
    private readonly TimeSpan _idleTimeout;
    private readonly CancellationToken _callerToken;
    private byte[]? _first;
    private byte[]? _opening;
    private bool _ended;

    internal CompletionStream(
        HttpResponseMessage response, IAsyncEnumerator<ReadOnlyMemory<byte>> events, CancellationTokenSource total, CancellationTokenSource step,
        TimeSpan idleTimeout, CancellationToken callerToken)
    {
        _response = response;
        _events = events;
        _total = total;
        _step = step;
        _idleTimeout = idleTimeout;
        _callerToken = callerToken;
    }

    internal async Task ReadFirstAsync()
    {
        if (!await _events.MoveNextAsync().ConfigureAwait(false))
        {
            throw new BackendException(BackendFailure.Unavailable, "The model server closed the stream without output.");
        }

        // Kept past the next read (the reader reuses its buffer), so copied.
        _first = _events.Current.ToArray();
        _opening = _first;
        if (IsError(_first, out var message))
        {
            throw new BackendException(BackendFailure.Rejected, message);
        }
    }

    /// <summary>Whether the model server streams the answer; false when it was asked for it in one piece.</summary>
    public bool Streamed { get; init; } = true;

    /// <summary>The model server's id for this completion (<c>cmpl-…</c>), read from the first event when asked for.</summary>
    public string? ResponseId => _opening is null ? null : CompletionChunkParser.ReadId(_opening);

    /// <summary>The events, parsed, ending at <c>[DONE]</c>. A stream that ends otherwise, or carries an error, throws <see cref="BackendException"/>.</summary>
    public async IAsyncEnumerable<CompletionChunk> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _total);
        var pending = _first;
        _first = null;
        var chunks = new List<CompletionChunk>(1);
        while (true)
        {
            ReadOnlyMemory<byte> payload;
            if (pending is not null)
            {
                payload = pending;
                pending = null;
            }
            else
            {
                _step.CancelAfter(_idleTimeout);
                bool more;
                try
                {
                    more = await _events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_callerToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // The cancelled read may not have reached the connection (the reader had bytes buffered): closing
                    // the response now, not when the caller disposes, is what tells the model server to stop.
                    _response.Dispose();
                    throw new BackendException(BackendFailure.Timeout, _total.IsCancellationRequested
                        ? "The completion took longer than the gateway allows (Backend:TotalTimeout)."
                        : "The model server stopped sending tokens.");
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    throw new BackendException(BackendFailure.Broken, "The model server's stream broke off.", null, e);
                }

                if (!more)
                {
                    throw new BackendException(BackendFailure.Broken, "The model server's stream ended before it finished.");
                }

                payload = _events.Current;
            }

            if (payload.Span.SequenceEqual("[DONE]"u8))
            {
                _ended = true;
                yield break;
            }

            if (IsError(payload, out var message))
            {
                throw new BackendException(BackendFailure.Broken, message);
            }

            chunks.Clear();
            CompletionChunkParser.Parse(payload.Span, chunks);
            foreach (var chunk in chunks)
            {
                yield return chunk;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A stream read to its end has no request left to abort: cancelling would only run the linked tokens' callbacks
        // on the thread pool and make every request wait for that hop.
        if (!_ended)
        {
            await _total.CancelAsync().ConfigureAwait(false);
        }

        await _events.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
        _step.Dispose();
        _total.Dispose();
    }

    private static bool IsError(ReadOnlyMemory<byte> payload, out string message)
    {
        message = "";
        if (payload.Span.IndexOf("\"error\""u8) < 0)
        {
            return false;
        }

        using var document = JsonDocument.Parse(payload);
        if (!document.RootElement.TryGetProperty("error", out _))
        {
            return false;
        }

        message = VllmErrorParser.TryGetMessage(document.RootElement) ?? "The model server reported an error.";
        return true;
    }
}
