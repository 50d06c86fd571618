using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Streaming;

/// <summary>
/// vLLM's server-sent events: each event exactly <c>data: &lt;compact json&gt;\n\n</c>, flushed as it is written, no
/// comments or keep-alives, and <c>data: [DONE]\n\n</c> at the end. JSON is written straight into the response pipe.
/// Not thread-safe.
/// </summary>
internal sealed class SseWriter(PipeWriter pipe) : IDisposable
{
    public const string ContentType = "text/event-stream; charset=utf-8";

    private readonly Utf8JsonWriter _json = new(pipe, JsonFormat.Compact);

    public ValueTask<FlushResult> WriteEventAsync<TState>(TState state, Action<Utf8JsonWriter, TState> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        pipe.Write("data: "u8);
        _json.Reset(pipe);
        write(_json, state);
        _json.Flush();
        pipe.Write("\n\n"u8);
        return pipe.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> WriteDoneAsync(CancellationToken cancellationToken)
    {
        pipe.Write("data: [DONE]\n\n"u8);
        return pipe.FlushAsync(cancellationToken);
    }

    public void Dispose() => _json.Dispose();
}
