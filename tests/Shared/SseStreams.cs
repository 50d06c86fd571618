using System.Text;
using CsCheck;

namespace Aspire70B.Tests.Shared;

/// <summary>
/// Byte streams for the SSE readers: any bytes drawn mostly from SSE's own vocabulary (fields, colons, spaces, every
/// line ending, blank lines, multi-byte UTF-8 and invalid bytes), any split of them into reads, and the events the
/// SSE specification says they carry.
/// </summary>
internal static class SseStreams
{
    private static readonly byte[][] Pieces =
    [
        .. new[] { "data:", "data: ", "data", "event: x", ": comment", "id: 1", "retry: 5", "x", "{\"a\":1}", "[DONE]", " ", ":", "é", "😀", "data:data: " }
            .Select(Encoding.UTF8.GetBytes),
        "\n"u8.ToArray(), "\n"u8.ToArray(), "\n\n"u8.ToArray(), "\r\n"u8.ToArray(), "\r"u8.ToArray(), [0xE2, 0x82], [0xFF], [0x00],
    ];

    /// <summary>Any stream over the vocabulary (lone CRs included).</summary>
    public static readonly Gen<byte[]> Any = Gen.Int[0, Pieces.Length - 1].Array[0, 40].Select(ix => ix.SelectMany(i => Pieces[i]).ToArray());

    /// <summary>A stream without a lone CR (every CR is part of CRLF), as servers that end lines with LF or CRLF write.</summary>
    public static readonly Gen<byte[]> WithoutLoneCr = Any.Select(bytes => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n')));

    /// <summary>Read sizes that split a stream anywhere (1 byte up to everything at once).</summary>
    public static readonly Gen<int[]> Splits = Gen.Int[1, 64].Array[1, 20];

    /// <summary>The data of each complete event, per the SSE specification (lines end with CRLF, LF or CR).</summary>
    public static List<byte[]> Events(byte[] stream)
    {
        var events = new List<byte[]>();
        var data = new List<byte>();
        var hasData = false;
        var line = new List<byte>();
        for (var i = 0; i < stream.Length; i++)
        {
            var b = stream[i];
            if (b is not ((byte)'\n' or (byte)'\r'))
            {
                line.Add(b);
                continue;
            }

            if (b == '\r' && i + 1 < stream.Length && stream[i + 1] == '\n')
            {
                i++;
            }

            if (line.Count == 0)
            {
                if (hasData)
                {
                    events.Add([.. data]);
                    data.Clear();
                    hasData = false;
                }
            }
            else if (line.Count >= 5 && line.Take(5).SequenceEqual("data:"u8.ToArray()))
            {
                var value = line.Skip(5).ToList();
                if (value.Count > 0 && value[0] == ' ')
                {
                    value.RemoveAt(0);
                }

                if (hasData)
                {
                    data.Add((byte)'\n');
                }

                data.AddRange(value);
                hasData = true;
            }

            line.Clear();
        }

        return events;
    }
}

/// <summary>A stream that hands out its bytes in the given read sizes (cycled), as a network would.</summary>
internal sealed class ChunkedStream(byte[] bytes, int[] sizes) : Stream
{
    private int _position;
    private int _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => bytes.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var size = Math.Min(Math.Min(count, sizes[_read++ % sizes.Length]), bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, size);
        _position += size;
        return size;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var size = Math.Min(Math.Min(buffer.Length, sizes[_read++ % sizes.Length]), bytes.Length - _position);
        bytes.AsMemory(_position, size).CopyTo(buffer);
        _position += size;
        return ValueTask.FromResult(size);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
