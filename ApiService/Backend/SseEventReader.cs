using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Aspire70B.ApiService.Backend;

/// <summary>
/// Splits a <c>text/event-stream</c> into the payloads of its <c>data:</c> lines, one event at a time, as bytes
/// arrive. Events are separated by a blank line; comments and other fields are skipped; multi-line data is joined
/// with '\n'; an event the stream cuts off before its blank line is discarded — all as the SSE specification says.
/// </summary>
internal static class SseEventReader
{
    private static ReadOnlySpan<byte> DataField => "data:"u8;

    public static async IAsyncEnumerable<byte[]> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        var data = new ArrayBufferWriter<byte>();
        var hasData = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    if (line.Length == 0)
                    {
                        if (hasData)
                        {
                            yield return data.WrittenSpan.ToArray();
                            data.Clear();
                            hasData = false;
                        }

                        continue;
                    }

                    if (line.StartsWith(DataField))
                    {
                        var value = line[DataField.Length..];
                        if (value.Length > 0 && value[0] == (byte)' ')
                        {
                            value = value[1..];
                        }

                        if (hasData)
                        {
                            data.Write("\n"u8);
                        }

                        data.Write(value);
                        hasData = true;
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    // An event cut off before its blank line is discarded, as the SSE specification says.
                    yield break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySpan<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }

        var slice = buffer.Slice(0, position.Value);
        var bytes = slice.IsSingleSegment ? slice.FirstSpan : slice.ToArray();
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        line = bytes;
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }
}
