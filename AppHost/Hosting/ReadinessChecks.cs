using System.Net.Sockets;
using System.Text;

namespace Aspire70B.AppHost.Hosting;

/// <summary>Decides whether a started resource is ready for the resources that wait for it.</summary>
internal interface IReadinessCheck
{
    /// <summary>One attempt; false means "not yet" (the supervisor tries again until the start-up timeout).</summary>
    Task<bool> IsReadyAsync(CancellationToken cancellationToken);
}

/// <summary>Ready when <c>GET</c> on the URL answers 2xx.</summary>
internal sealed class HttpReadinessCheck(Uri url) : IReadinessCheck
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public Uri Url { get; } = url;

    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(Url, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }
}

/// <summary>Ready when the server answers a RESP <c>PING</c> (+PONG, or -NOAUTH from a password-protected server).</summary>
internal sealed class RedisPingCheck(string host, int port) : IReadinessCheck
{
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, attempt.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), attempt.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, attempt.Token);
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }
}

/// <summary>For a process without an endpoint (the Worker): ready once it has stayed up for a moment.</summary>
internal sealed class StaysRunningCheck(TimeSpan duration) : IReadinessCheck
{
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(duration, cancellationToken);
        return true;
    }
}
