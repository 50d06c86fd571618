using System.Net.Sockets;
using System.Text;

namespace Aspire70B.AppHost.Tests;

/// <summary>One RESP command against a Redis-compatible server, its raw reply returned (enough for SET and GET).</summary>
internal static class Resp
{
    public static async Task<string> CommandAsync(string connectionString, params string[] parts)
    {
        var first = connectionString.Split(',')[0];
        var colon = first.LastIndexOf(':');
        using var client = new TcpClient();
        await client.ConnectAsync(first[..colon], int.Parse(first[(colon + 1)..], global::System.Globalization.CultureInfo.InvariantCulture));
        var command = new StringBuilder($"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            command.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
