using System.Net;

namespace Aspire70B.ApiService.Security;

/// <summary>Refuses to start a gateway without API keys on any address other than loopback.</summary>
internal static class LoopbackBindingGuard
{
    /// <exception cref="InvalidOperationException">An address is not loopback while no keys are configured.</exception>
    public static void Check(IEnumerable<string> urls, ApiKeyOptions keys)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(keys);
        if (!keys.Open)
        {
            return;
        }

        foreach (var url in urls)
        {
            if (!IsLoopback(url))
            {
                throw new InvalidOperationException(
                    $"Refusing to listen on '{url}' without API keys: configure Auth:ApiKeys, or bind to 127.0.0.1.");
            }
        }
    }

    internal static bool IsLoopback(string url)
    {
        // Kestrel's wildcards: http://*:5000, http://+:5000 and http://0.0.0.0:5000 listen everywhere.
        var hostStart = url.IndexOf("://", StringComparison.Ordinal);
        var rest = hostStart >= 0 ? url[(hostStart + 3)..] : url;
        var host = rest.StartsWith('[') ? rest[1..rest.IndexOf(']', StringComparison.Ordinal)] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
