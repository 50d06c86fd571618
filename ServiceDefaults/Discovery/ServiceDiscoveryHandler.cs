namespace Aspire70B.ServiceDefaults.Discovery;

/// <summary>Rewrites <c>http://{service}/…</c> to the address configured for the service, before the request leaves.</summary>
internal sealed class ServiceDiscoveryHandler(ServiceEndpointResolver resolver) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { } uri && resolver.TryRewrite(uri) is { } resolved)
        {
            request.RequestUri = resolved;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
