using System.Net.Http.Headers;
using Aspire70B.Connector;
using Microsoft.Extensions.Options;

namespace Aspire70B.Worker.Gateway;

/// <summary>
/// The gateway as the Worker reaches it: the Connector's endpoint discovery (<c>ConnectionStrings:apiservice</c> or
/// <c>services:apiservice:http:0</c>), its API key and its named HttpClient. Batch items go over the raw wire format,
/// because a batch's output must carry the gateway's exact response body, which <c>IChatClient</c> does not keep.
/// </summary>
public sealed class GatewayClient(IHttpClientFactory httpClientFactory, IOptions<Aspire70BChatClientOptions> options)
{
    /// <summary>Sends <paramref name="content"/> to <paramref name="path"/> under the gateway's base address, with the API key.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var endpoint = settings.Endpoint ?? throw new InvalidOperationException("The gateway's address is not configured: set services__apiservice__http__0.");
        using var request = new HttpRequestMessage(method, new Uri(new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/"), path)) { Content = content };
        if (settings.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var http = httpClientFactory.CreateClient(Aspire70BServiceCollectionExtensions.HttpClientName);
        return await http.SendAsync(request, cancellationToken);
    }
}
