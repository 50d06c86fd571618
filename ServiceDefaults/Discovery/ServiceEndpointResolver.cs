using Microsoft.Extensions.Configuration;

namespace Aspire70B.ServiceDefaults.Discovery;

/// <summary>
/// Aspire's configuration-based service discovery: <c>services:{name}:{endpoint}:{i}</c> (environment
/// <c>services__apiservice__http__0=http://127.0.0.1:5100</c>). The endpoint name is the URI scheme (<c>http</c>,
/// <c>https</c>); Aspire's <c>https+http://name</c> prefers https and falls back to http. Reads configuration on every
/// call, so reloaded configuration applies. Thread-safe.
/// </summary>
public sealed class ServiceEndpointResolver(IConfiguration configuration)
{
    /// <summary>Every configured address of <paramref name="service"/>'s <paramref name="endpoint"/>, in index order.</summary>
    public IReadOnlyList<Uri> Resolve(string service, string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        var section = configuration.GetSection("services").GetSection(service).GetSection(endpoint);
        return [.. section.GetChildren()
            .Select(child => (Index: int.TryParse(child.Key, out var i) ? i : int.MaxValue, child.Value))
            .Where(e => e.Index != int.MaxValue && Uri.TryCreate(e.Value, UriKind.Absolute, out _))
            .OrderBy(e => e.Index)
            .Select(e => new Uri(e.Value!))];
    }

    /// <summary>
    /// The configured address for a logical URI such as <c>http://apiservice/v1/models</c>, or null when the host is not
    /// a configured service (then the URI is used as it is).
    /// </summary>
    public Uri? TryRewrite(Uri requestUri)
    {
        ArgumentNullException.ThrowIfNull(requestUri);
        if (!requestUri.IsAbsoluteUri || requestUri.HostNameType != UriHostNameType.Dns || requestUri.Host.Contains('.', StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var scheme in requestUri.Scheme.Split('+'))
        {
            if (Resolve(requestUri.Host, scheme) is [var target, ..])
            {
                return new Uri(target, requestUri.PathAndQuery + requestUri.Fragment);
            }
        }

        return null;
    }
}
