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

/// <summary>Applies <see cref="LoopbackBindingGuard"/> to the addresses the application is configured with.</summary>
internal static class LoopbackBindingGuardExtensions
{
    public static WebApplication RefuseOpenNonLoopbackBinding(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var configuration = app.Configuration;
        var urls = new List<string>();
        urls.AddRange((configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        // ASPNETCORE_HTTP_PORTS / HTTPS_PORTS bind every interface.
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            urls.AddRange((configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).Select(port => $"http://*:{port.Trim()}"));
        }

        LoopbackBindingGuard.Check(urls, app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiKeyOptions>>().Value);
        return app;
    }
}
