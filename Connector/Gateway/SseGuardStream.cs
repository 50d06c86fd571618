using System.Buffers;

namespace Aspire70B.Connector.Gateway;

/// <summary>
/// The body of a streamed answer as the OpenAI SDK reads it, watched line by line: an error event, a stream that ends
/// before <c>data: [DONE]</c>, or a connection lost mid-answer raise an <see cref="Aspire70BException"/> with
/// <see cref="Aspire70BException.MidStream"/> set, where the SDK alone would end the answer quietly. The events before
/// the failure are delivered first. Not thread-safe, like any stream being read.
/// </summary>
internal sealed class SseGuardStream(Stream inner, CancellationToken requestCancellation) : Stream
{
    private static readonly byte[] DataPrefix = "data:"u8.ToArray();
    private static readonly byte[] ErrorMarker = "\"error\""u8.ToArray();

    private readonly ArrayBufferWriter<byte> _line = new(256);
    private bool _done;
    private Aspire70BException? _pending;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ThrowIfPending();
        int read;
        try
        {
            read = inner.Read(buffer);
        }
        catch (IOException e) when (!requestCancellation.IsCancellationRequested)
        {
            throw Lost(e);
        }

        return Inspect(buffer[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfPending();
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested && !requestCancellation.IsCancellationRequested)
        {
            throw Lost(e);
        }

        return Inspect(buffer.Span[..read]);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private static Aspire70BException Lost(IOException e) =>
        new("The connection to the gateway was lost in the middle of a streamed answer.", e) { MidStream = true };

    private void ThrowIfPending()
    {
        if (_pending is { } pending)
        {
            throw pending;
        }
    }

    /// <summary>Looks at the bytes just read; returns how many of them to hand on (fewer when an error event starts among them).</summary>
    private int Inspect(ReadOnlySpan<byte> read)
    {
        if (read.IsEmpty)
        {
            return _done ? 0 : throw new Aspire70BException("The gateway's stream ended without [DONE]: the answer is incomplete.") { MidStream = true };
        }

        var lineStart = 0;
        for (var i = 0; i < read.Length && !_done; i++)
        {
            if (read[i] != (byte)'\n')
            {
                continue;
            }

            _line.Write(read[lineStart..i]);
            var error = Evaluate(_line.WrittenSpan);
            _line.ResetWrittenCount();
            if (error is not null)
            {
                // Hand on what came before the error event's line; raise at the next read (or now, if nothing did).
                _pending = error;
                return lineStart > 0 ? lineStart : throw error;
            }

            lineStart = i + 1;
        }

        if (!_done)
        {
            _line.Write(read[lineStart..]);
        }

        return read.Length;
    }

    private Aspire70BException? Evaluate(ReadOnlySpan<byte> line)
    {
        line = line.TrimEnd((byte)'\r');
        if (!line.StartsWith(DataPrefix))
        {
            return null;
        }

        var data = line[DataPrefix.Length..].TrimStart((byte)' ');
        if (data.SequenceEqual("[DONE]"u8))
        {
            _done = true;
            return null;
        }

        return data.IndexOf(ErrorMarker) >= 0 ? GatewayErrors.FromStreamEvent(data) : null;
    }
}
