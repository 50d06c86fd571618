using System.Text.Json;
using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Writes chat chunks as server-sent events, each flushed as it is written: a role chunk per choice first, then
/// deltas, tool calls and finishes, the usage chunk when asked for, and <c>[DONE]</c>. A failure after the start is
/// one error event and no <c>[DONE]</c>, so a broken stream never looks finished.
/// </summary>
internal sealed class SseChatResponseSink(HttpResponse response, string id, long created, string model, int choices, bool includeUsage) : IChatResponseSink
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Separator = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private CompletionUsage? _usage;
    private bool _usageFromCache;

    public bool Started { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        Started = true;
        for (var index = 0; index < choices; index++)
        {
            await WriteEventAsync(ChatResponseJson.Chunk(id, created, model, index, ChatResponseJson.RoleDelta, null), cancellationToken);
        }

        await response.Body.FlushAsync(cancellationToken);
    }

    public async Task WriteAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        byte[]? payload = chatEvent switch
        {
            ContentDelta delta => ChatResponseJson.Chunk(id, created, model, delta.Index, w => w.WriteString("content", delta.Text), null),
            ToolCallsEvent calls => ChatResponseJson.Chunk(id, created, model, calls.Index, w => ChatResponseJson.ToolCallsDelta(w, calls.Calls), null),
            FinishEvent finish => ChatResponseJson.Chunk(id, created, model, finish.Index, static _ => { }, finish.Reason),
            _ => null,
        };
        if (chatEvent is UsageEvent usage)
        {
            _usage = usage.Usage;
            _usageFromCache = usage.FromCache;
        }

        if (payload is not null)
        {
            await WriteEventAsync(payload, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (includeUsage && _usage is { } usage)
        {
            await WriteEventAsync(ChatResponseJson.UsageChunk(id, created, model, usage, _usageFromCache), cancellationToken);
        }

        await response.Body.WriteAsync(Done, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public async Task FailAsync(OpenAIError error, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (!Started)
        {
            await OpenAIErrorResult.WriteAsync(response, error, retryAfter, cancellationToken);
            return;
        }

        await WriteEventAsync(error.ToJsonBytes(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private async Task WriteEventAsync(byte[] json, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Prefix, cancellationToken);
        await response.Body.WriteAsync(json, cancellationToken);
        await response.Body.WriteAsync(Separator, cancellationToken);
    }
}
