using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Aspire70B.Simulator.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>
/// Like vLLM (uvicorn's <c>timeout_keep_alive</c> from <c>VLLM_HTTP_TIMEOUT_KEEP_ALIVE</c>, default 5 s), the Simulator
/// closes a keep-alive connection that stays idle after a response, so clients meet the closes they meet in production.
/// </summary>
public sealed class KeepAliveTests
{
    [Fact]
    public void TheDefaultIsVllmsFiveSeconds()
    {
        using var factory = new SimulatorFactory();
        Assert.Equal(TimeSpan.FromSeconds(5), factory.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.KeepAliveTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("2.5")]
    [InlineData("five")]
    public void AValueVllmCouldNotUseStopsTheStart(string value)
    {
        using var factory = new SimulatorFactory(new Dictionary<string, string?> { ["VLLM_HTTP_TIMEOUT_KEEP_ALIVE"] = value });
        var e = Assert.Throws<InvalidOperationException>(() => factory.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value);
        Assert.Equal($"VLLM_HTTP_TIMEOUT_KEEP_ALIVE must be a whole number of seconds greater than 0; it is '{value}'.", e.Message);
    }

    [Fact]
    public async Task AnIdleConnectionIsClosedAfterTheTimeoutAndNotBefore()
    {
        using var factory = new SimulatorFactory(new Dictionary<string, string?> { ["VLLM_HTTP_TIMEOUT_KEEP_ALIVE"] = "3" });
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.CreateClient().BaseAddress!;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {address.Authority}\r\n\r\n"));

        // The whole response (vLLM's /health: 200, empty body), then nothing until the server closes the connection.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, bound.Token);
            Assert.NotEqual(0, read);
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var idle = Stopwatch.StartNew();
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", received.ToString(), StringComparison.Ordinal);
        Assert.Contains("Content-Length: 0\r\n", received.ToString(), StringComparison.Ordinal);

        var closed = await stream.ReadAsync(buffer, bound.Token);
        idle.Stop();
        Assert.Equal(0, closed);
        // The server's clock starts when it finished the response, a little before this test read it: a third of the
        // timeout leaves two seconds for that on a loaded machine, and still tells a 3 s timeout from an immediate close.
        Assert.True(idle.Elapsed >= TimeSpan.FromSeconds(1), $"closed after {idle.Elapsed.TotalMilliseconds:0} ms");
    }
}
