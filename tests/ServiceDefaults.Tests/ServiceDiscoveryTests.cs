using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire70B.ServiceDefaults.Tests;

public sealed class ServiceDiscoveryTests
{
    [Theory]
    [InlineData("http://apiservice/v1/models?x=1", "http://127.0.0.1:5100/v1/models?x=1")]
    [InlineData("https+http://apiservice/v1/models", "https://127.0.0.1:5443/v1/models")]
    [InlineData("https+http://worker/health", "http://127.0.0.1:5200/health")]
    [InlineData("http://127.0.0.1:9000/health", "http://127.0.0.1:9000/health")]
    public async Task AnHttpClientFindsAServiceByTheNameAspireGaveIt(string requested, string sent)
    {
        var seen = new List<Uri>();
        using var host = Host(seen,
            ("services:apiservice:http:0", "http://127.0.0.1:5100"),
            ("services:apiservice:https:0", "https://127.0.0.1:5443"),
            ("services:worker:http:0", "http://127.0.0.1:5200"));
        using var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("test");

        using var response = await client.GetAsync(new Uri(requested));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([new Uri(sent)], seen);
    }

    private static IHost Host(List<Uri> seen, params (string Key, string Value)[] configuration)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        foreach (var (key, value) in configuration)
        {
            builder.Configuration[key] = value;
        }

        builder.AddServiceDefaults();
        builder.Services.AddHttpClient("test").ConfigurePrimaryHttpMessageHandler(() => new Recording(seen));
        return builder.Build();
    }

    private sealed class Recording(List<Uri> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
