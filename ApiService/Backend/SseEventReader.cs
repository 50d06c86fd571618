using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Aspire70B.ApiService.Backend;

/// <summary>
/// Splits a <c>text/event-stream</c> into the payloads of its <c>data:</c> lines, one event at a time, as bytes
/// arrive. Lines end with CRLF, LF or CR; events are separated by a blank line; comments and other fields are skipped; multi-line data is joined
/// with '\n'; an event the stream cuts off before its blank line is discarded — all as the SSE specification says.
/// Each payload is a view of the reader's own buffer, valid until the next <c>MoveNextAsync</c>: a caller that keeps
/// one copies it.
/// </summary>
internal static class SseEventReader
{
    private static ReadOnlySpan<byte> DataField => "data:"u8;

    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        var data = new ArrayBufferWriter<byte>(1024);
        var hasData = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, result.IsCompleted, out var line))
                {
                    if (line.Length == 0)
                    {
                        if (hasData)
                        {
                            yield return data.WrittenMemory;
                            data.ResetWrittenCount();
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

    /// <summary>
    /// The next line, ended by CRLF, LF or CR as the specification allows. A CR at the end of what has arrived may be
    /// the first half of a CRLF: it waits for the next read unless the stream has ended.
    /// </summary>
    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, bool final, out ReadOnlySpan<byte> line)
    {
        line = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadToAny(out ReadOnlySequence<byte> slice, "\r\n"u8, advancePastDelimiter: false))
        {
            return false;
        }

        reader.TryRead(out var delimiter);
        if (delimiter == (byte)'\r')
        {
            if (reader.End && !final)
            {
                return false;
            }

            reader.IsNext((byte)'\n', advancePast: true);
        }

        line = slice.IsSingleSegment ? slice.FirstSpan : slice.ToArray();
        buffer = buffer.Slice(reader.Position);
        return true;
    }
}
