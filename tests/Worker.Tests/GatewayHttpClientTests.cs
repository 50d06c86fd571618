using Aspire70B.Connector;
using Aspire70B.Worker.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;

namespace Aspire70B.Worker.Tests;

/// <summary>The Worker as Program.cs composes it: service defaults, then the Connector's client to the gateway.</summary>
public sealed class GatewayHttpClientTests
{
    [Fact]
    public void BatchItemsReachTheGatewayWithoutTheStandardResilienceHandler()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.AddWorkerServices();
        using var host = builder.Build();
        var handlers = host.Services.GetRequiredService<IHttpMessageHandlerFactory>();

        var chain = new List<HttpMessageHandler>();
        for (HttpMessageHandler? handler = handlers.CreateHandler(Microsoft.Extensions.Hosting.Aspire70BChatClientExtensions.HttpClientName); handler is not null;
             handler = (handler as DelegatingHandler)?.InnerHandler)
        {
            chain.Add(handler);
        }

        Assert.DoesNotContain(chain, h => h is ResilienceHandler);
        Assert.IsType<SocketsHttpHandler>(chain[^1]);
    }
}
