using System.Net;
using Aspire70B.ServiceDefaults.Discovery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire70B.ServiceDefaults.Tests;

public sealed class ServiceDiscoveryTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void AspiresServiceKeysResolveInIndexOrder()
    {
        var resolver = new ServiceEndpointResolver(Configuration(
            ("services:apiservice:http:1", "http://127.0.0.1:5101"),
            ("services:apiservice:http:0", "http://127.0.0.1:5100"),
            ("services:apiservice:https:0", "https://127.0.0.1:5443")));

        Assert.Equal([new Uri("http://127.0.0.1:5100"), new Uri("http://127.0.0.1:5101")], resolver.Resolve("apiservice", "http"));
        Assert.Equal([new Uri("https://127.0.0.1:5443")], resolver.Resolve("apiservice", "https"));
        Assert.Empty(resolver.Resolve("worker", "http"));
    }

    [Theory]
    [InlineData("http://apiservice/v1/models?x=1", "http://127.0.0.1:5100/v1/models?x=1")]
    [InlineData("https+http://apiservice/v1/models", "http://127.0.0.1:5100/v1/models")]
    [InlineData("http://unknown/v1/models", null)]
    [InlineData("http://api.example.com/v1/models", null)]
    [InlineData("http://127.0.0.1:9000/v1/models", null)]
    public void ALogicalHostIsRewrittenToTheConfiguredAddressOnly(string request, string? expected)
    {
        var resolver = new ServiceEndpointResolver(Configuration(("services:apiservice:http:0", "http://127.0.0.1:5100")));

        Assert.Equal(expected is null ? null : new Uri(expected), resolver.TryRewrite(new Uri(request)));
    }

    [Fact]
    public async Task EveryHttpClientFromTheServiceDefaultsResolvesServiceNames()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["services:apiservice:http:0"] = "http://127.0.0.1:5100";
        builder.AddServiceDefaults();
        var seen = new List<Uri>();
        builder.Services.AddHttpClient("test").ConfigurePrimaryHttpMessageHandler(() => new Recording(seen));
        using var host = builder.Build();

        using var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        using var response = await client.GetAsync(new Uri("http://apiservice/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([new Uri("http://127.0.0.1:5100/health")], seen);
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
