using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Aspire70B.ApiService.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Writes chat chunks as server-sent events straight into the response pipe: a role chunk per choice first, then
/// deltas, tool calls and finishes, the usage chunk when asked for, and <c>[DONE]</c>. Events are written without a
/// flush each; the caller flushes (<see cref="FlushAsync"/>) whenever it is about to wait for the model server, so the
/// client has every event the gateway has, and events that arrived together leave in one write. A failure after the
/// start is one error event and no <c>[DONE]</c>, so a broken stream never looks finished. Not thread-safe.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The JSON writer holds no unmanaged resource; it writes into the response pipe, which the server completes.")]
internal sealed class SseChatResponseSink(HttpResponse response, ChunkHeader header, int choices, bool includeUsage) : IChatResponseSink
{
    private readonly PipeWriter _pipe = response.BodyWriter;
    private Utf8JsonWriter? _json;
    private UsageEvent? _usage;

    public bool Started { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        Started = true;
        for (var index = 0; index < choices; index++)
        {
            ChatResponseJson.Chunk(Begin(), header, index, 0, static (w, _) => ChatResponseJson.RoleDelta(w), null);
            End();
        }

        return Task.CompletedTask;
    }

    public Task WriteAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        switch (chatEvent)
        {
            case ContentDelta delta:
                ChatResponseJson.Chunk(Begin(), header, delta.Index, delta.Text, static (w, text) => ChatResponseJson.ContentDelta(w, text), null);
                End();
                break;
            case ToolCallsEvent calls:
                ChatResponseJson.Chunk(Begin(), header, calls.Index, calls.Calls, static (w, c) => ChatResponseJson.ToolCallsDelta(w, c), null);
                End();
                break;
            case FinishEvent finish:
                ChatResponseJson.Chunk(Begin(), header, finish.Index, 0, static (_, _) => { }, finish.Reason);
                End();
                break;
            case UsageEvent usage:
                _usage = usage;
                break;
        }

        return Task.CompletedTask;
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken) => await _pipe.FlushAsync(cancellationToken);

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (includeUsage && _usage is { } usage)
        {
            ChatResponseJson.UsageChunk(Begin(), header, usage.Usage, usage.FromCache);
            End();
        }

        _pipe.Write("data: [DONE]\n\n"u8);
        await _pipe.FlushAsync(cancellationToken);
    }

    public async Task FailAsync(OpenAIError error, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (!Started)
        {
            await OpenAIErrorResult.WriteAsync(response, error, retryAfter, cancellationToken);
            return;
        }

        _pipe.Write("data: "u8);
        _pipe.Write(error.ToJsonBytes());
        _pipe.Write("\n\n"u8);
        await _pipe.FlushAsync(cancellationToken);
    }

    /// <summary>Starts an event and returns the JSON writer for its payload; <see cref="End"/> closes it.</summary>
    private Utf8JsonWriter Begin()
    {
        _pipe.Write("data: "u8);
        if (_json is null)
        {
            _json = new Utf8JsonWriter(_pipe);
        }
        else
        {
            _json.Reset(_pipe);
        }

        return _json;
    }

    private void End()
    {
        _json!.Flush();
        _pipe.Write("\n\n"u8);
    }
}
