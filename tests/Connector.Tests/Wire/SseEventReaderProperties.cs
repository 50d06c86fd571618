using System.Text;
using Aspire70B.Connector.Wire;
using Aspire70B.Tests.Shared;
using CsCheck;

namespace Aspire70B.Connector.Tests.Wire;

/// <summary>The Connector's SSE reader: any stream, split into reads anywhere, gives the events the specification says.</summary>
public sealed class SseEventReaderProperties
{
    [Fact]
    public Task AnySplitOfAnyStreamGivesTheSpecifiedEvents() =>
        Gen.Select(SseStreams.Any, SseStreams.Splits).SampleAsync(async (stream, splits) =>
        {
            var events = new List<string>();
            await foreach (var e in SseEventReader.ReadAsync(new ChunkedStream(stream, splits), CancellationToken.None))
            {
                events.Add(e);
            }

            Assert.Equal(SseStreams.Events(stream).Select(e => Encoding.UTF8.GetString(e)), events);
        }, iter: PropertyRuns.Iterations(400), print: c => ResponseShape.Printable(c.Item1) + " split " + string.Join(",", c.Item2));
}
