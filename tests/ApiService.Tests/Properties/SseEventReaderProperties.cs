using Aspire70B.ApiService.Backend;
using Aspire70B.Tests.Shared;
using CsCheck;

namespace Aspire70B.ApiService.Tests.Properties;

/// <summary>The backend's SSE reader: any stream, split into reads anywhere, gives the events the specification says.</summary>
public sealed class SseEventReaderProperties
{
    private static async Task<List<byte[]>> ReadAsync(byte[] stream, int[] splits)
    {
        var events = new List<byte[]>();
        await foreach (var e in SseEventReader.ReadAsync(new ChunkedStream(stream, splits), CancellationToken.None))
        {
            events.Add(e.ToArray());
        }

        return events;
    }

    /// <summary>Found by the property: a lone CR ended no line, so a server ending lines with CR delivered nothing.</summary>
    [Fact]
    public async Task ALoneCrEndsALineEvenWhenItIsTheLastByteOfARead()
    {
        var events = await ReadAsync("data: a\r\rdata: b\r\ndata: c\r\r"u8.ToArray(), [8, 1, 1, 100]);

        Assert.Equal(["a", "b\nc"], events.Select(e => System.Text.Encoding.UTF8.GetString(e)));
    }

    [Fact]
    public async Task AnEventLargerThanTheReadBufferArrivesWholeWhateverTheReads()
    {
        // 40 KB of data on one line, then two lines joined: larger than the reader's first buffer, split unevenly.
        var big = new string('x', 40_000) + "\u00e9";
        var stream = System.Text.Encoding.UTF8.GetBytes($"data: {big}\r\ndata: tail\n\n: comment\ndata: next\n\n");

        var events = await ReadAsync(stream, [1, 4095, 3, 9000, 17, 50_000]);

        Assert.Equal([big + "\ntail", "next"], events.Select(e => System.Text.Encoding.UTF8.GetString(e)));
    }

    [Fact]
    public Task AnySplitOfAnyStreamGivesTheSpecifiedEvents() =>
        Gen.Select(SseStreams.Any, SseStreams.Splits).SampleAsync(async (stream, splits) =>
        {
            var events = await ReadAsync(stream, splits);
            Assert.Equal(SseStreams.Events(stream), events);
        }, iter: PropertyRuns.Iterations(400), print: c => ResponseShape.Printable(c.Item1) + " split " + string.Join(",", c.Item2));
}
