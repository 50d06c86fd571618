using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Streaming;

/// <summary>
/// vLLM's server-sent events: each event exactly <c>data: &lt;compact json&gt;\n\n</c>, no comments or keep-alives, and
/// <c>data: [DONE]\n\n</c> at the end. JSON is written straight into the response pipe; <see cref="WriteEvent"/> does not
/// flush, <see cref="FlushAsync"/> does (the caller flushes before it waits for the engine's next step, as vLLM's server
/// sends what a step produced when the step ends). Not thread-safe.
/// </summary>
internal sealed class SseWriter(PipeWriter pipe) : IDisposable
{
    public const string ContentType = "text/event-stream; charset=utf-8";

    private readonly Utf8JsonWriter _json = new(pipe, JsonFormat.Compact);

    public ValueTask<FlushResult> WriteEventAsync<TState>(TState state, Action<Utf8JsonWriter, TState> write, CancellationToken cancellationToken)
    {
        WriteEvent(state, write);
        return pipe.FlushAsync(cancellationToken);
    }

    /// <summary>Writes one event without sending it yet.</summary>
    public void WriteEvent<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        pipe.Write("data: "u8);
        _json.Reset(pipe);
        write(_json, state);
        _json.Flush();
        pipe.Write("\n\n"u8);
    }

    /// <summary>Sends what has been written.</summary>
    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken) => pipe.FlushAsync(cancellationToken);

    public ValueTask<FlushResult> WriteDoneAsync(CancellationToken cancellationToken)
    {
        pipe.Write("data: [DONE]\n\n"u8);
        return pipe.FlushAsync(cancellationToken);
    }

    public void Dispose() => _json.Dispose();
}
