using System.Net.Http.Headers;
using Aspire70B.Connector;

namespace Aspire70B.Worker.Gateway;

/// <summary>
/// The gateway as the Worker reaches it: the Connector's settings (endpoint from <c>ConnectionStrings:apiservice</c> or
/// <c>services:apiservice:http:0</c>, API key, network timeout) and its named HttpClient. Batch items go over the raw
/// wire format, because a batch's output must carry the gateway's exact response body, which <c>IChatClient</c> does not keep.
/// </summary>
public sealed class GatewayClient(IHttpClientFactory httpClientFactory, Aspire70BChatClientSettings settings)
{
    /// <summary>Sends <paramref name="content"/> to <paramref name="path"/> under the gateway's base address, with the API key.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        var endpoint = settings.Endpoint ?? throw new InvalidOperationException("The gateway's address is not configured: set services__apiservice__http__0.");
        using var request = new HttpRequestMessage(method, new Uri(new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/"), path)) { Content = content };
        if (settings.Key is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.NetworkTimeout);
        var http = httpClientFactory.CreateClient(Aspire70BChatClientExtensions.HttpClientName);
        return await http.SendAsync(request, timeout.Token);
    }
}
