using System.Text;
using Aspire70B.Connector.Gateway;
using Microsoft.Extensions.Time.Testing;

namespace Aspire70B.Connector.Tests.Gateway;

/// <summary>What the guard lets through and what it raises, fed byte chunks the way a socket delivers them.</summary>
public sealed class SseGuardStreamTests
{
    private const string Chunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n";
    private const string ErrorEvent = "data: {\"error\":{\"message\":\"The model server failed mid-response.\",\"type\":\"server_error\",\"param\":null,\"code\":\"upstream_error\"}}\n\n";

    /// <summary>Reads the guard to its end (or failure), recording what was handed on.</summary>
    private static async Task<(string Text, Exception? Error)> ReadAllAsync(params string[] pieces)
    {
        await using var guard = new SseGuardStream(new PieceStream(pieces), CancellationToken.None);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await guard.ReadAsync(buffer)) > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (Exception e)
        {
            return (text.ToString(), e);
        }

        return (text.ToString(), null);
    }

    [Fact]
    public async Task AStreamThatEndsWithDoneIsHandedOnWhole()
    {
        var (text, error) = await ReadAllAsync(Chunk, "data: [DO", "NE]\n\n");

        Assert.Null(error);
        Assert.Equal(Chunk + "data: [DONE]\n\n", text);
    }

    [Fact]
    public async Task AStreamCutBeforeDoneRaisesAfterWhatArrived()
    {
        var (text, error) = await ReadAllAsync(Chunk, Chunk);

        Assert.Equal(Chunk + Chunk, text);
        var raised = Assert.IsType<Aspire70BException>(error);
        Assert.True(raised.MidStream);
        Assert.Null(raised.StatusCode);
        Assert.Equal("The gateway's stream ended without [DONE]: the answer is incomplete.", raised.Message);
    }

    [Fact]
    public async Task AnErrorEventInTheSameReadAsTextHandsOnTheTextThenRaisesTheGatewaysError()
    {
        var (text, error) = await ReadAllAsync(Chunk + ErrorEvent + "data: [DONE]\n\n");

        Assert.Equal(Chunk, text);
        var raised = Assert.IsType<Aspire70BException>(error);
        Assert.True(raised.MidStream);
        Assert.Equal("The model server failed mid-response.", raised.Message);
        Assert.Equal("server_error", raised.ErrorType);
        Assert.Equal("upstream_error", raised.ErrorCode);
        Assert.Null(raised.Param);
    }

    [Fact]
    public async Task AnErrorEventSplitAcrossReadsIsStillRecognised()
    {
        var (_, error) = await ReadAllAsync(Chunk, ErrorEvent[..20], ErrorEvent[20..]);

        Assert.Equal("The model server failed mid-response.", Assert.IsType<Aspire70BException>(error).Message);
    }

    [Fact]
    public async Task TextThatMentionsErrorIsNotAnErrorEvent()
    {
        const string Mention = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"error\"}}]}\n\n";

        var (text, error) = await ReadAllAsync(Mention, "data: [DONE]\n\n");

        Assert.Null(error);
        Assert.Equal(Mention + "data: [DONE]\n\n", text);
    }

    [Fact]
    public async Task ALostConnectionIsTheGatewaysMidStreamFailure()
    {
        await using var guard = new SseGuardStream(new PieceStream([Chunk]) { FailAtEnd = true }, CancellationToken.None);
        var buffer = new byte[4096];
        var first = await guard.ReadAsync(buffer);

        var raised = await Assert.ThrowsAsync<Aspire70BException>(async () => _ = await guard.ReadAsync(buffer));

        Assert.Equal(Chunk.Length, first);

        Assert.True(raised.MidStream);
        Assert.Equal("The connection to the gateway was lost in the middle of a streamed answer.", raised.Message);
        Assert.IsType<IOException>(raised.InnerException);
    }

    [Theory]
    [InlineData("7", 7.0)]
    [InlineData("Tue, 01 Dec 2026 12:00:30 GMT", 30.0)]
    [InlineData("Tue, 01 Dec 2026 11:59:00 GMT", 0.0)]
    public void RetryAfterIsReadAsSecondsOrAsADate(string header, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), GatewayErrors.RetryAfter(header, new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero))));
        Assert.Null(GatewayErrors.RetryAfter("soon", TimeProvider.System));
    }

    /// <summary>Gives one piece per read, like a socket; optionally fails instead of ending.</summary>
    private sealed class PieceStream(string[] pieces) : Stream
    {
        private int _next;

        public bool FailAtEnd { get; init; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_next == pieces.Length)
            {
                return FailAtEnd ? throw new IOException("connection reset") : 0;
            }

            var bytes = Encoding.UTF8.GetBytes(pieces[_next++]);
            bytes.CopyTo(buffer);
            return bytes.Length;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
