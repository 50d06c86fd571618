using System.Net.Sockets;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire70B.Hosting.Cache;

/// <summary>Healthy when the server answers a RESP <c>PING</c> (+PONG, or -NOAUTH from a password-protected server).</summary>
internal sealed class RedisPingHealthCheck(IResourceWithConnectionString server) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var connectionString = await server.ConnectionStringExpression.GetValueAsync(attempt.Token) ?? "";
            var (host, port) = HostAndPort(connectionString);
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, attempt.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), attempt.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, attempt.Token);
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"PING answered '{reply.Trim()}'");
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidOperationException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }

    /// <summary>The first endpoint of a StackExchange.Redis connection string (<c>host:port,password=…</c>).</summary>
    public static (string Host, int Port) HostAndPort(string connectionString)
    {
        var first = connectionString.Split(',', StringSplitOptions.TrimEntries)[0];
        var colon = first.LastIndexOf(':');
        return colon > 0 && int.TryParse(first.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? (first[..colon], port)
            : (first, 6379);
    }
}
