using Aspire70B.ApiService.Backend;
using Aspire70B.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Aspire70B.ApiService.Tests.Backend;

/// <summary>Which of the gateway's HttpClients carry the service defaults' standard resilience handler.</summary>
public sealed class BackendHttpClientTests
{
    [Fact]
    public async Task TheModelCallsHaveNoStandardResilienceWhileTheHealthProbeHasIt()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
            .UseSetting("ConnectionStrings:model", $"Endpoint=http://127.0.0.1:9/;Model={SystemProcesses.Model}")
            .UseSetting("Gateway:Profile", SystemProcesses.Profile)
            .UseSetting("PromptCache:Enabled", "false"));
        var handlers = factory.Services.GetRequiredService<IHttpMessageHandlerFactory>();

        Assert.DoesNotContain(Chain(handlers, nameof(VllmCompletionsClient)), h => h is ResilienceHandler);
        Assert.Contains(Chain(handlers, nameof(BackendHealthCheck)), h => h is ResilienceHandler);
    }

    [Theory]
    [InlineData(nameof(VllmCompletionsClient))]
    [InlineData(Aspire70B.ApiService.Routing.ReplicaMetricsPoller.HttpClientName)]
    public async Task ModelServerConnectionsAreDroppedBeforeVllmClosesThem(string client)
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
            .UseSetting("ConnectionStrings:model", $"Endpoint=http://127.0.0.1:9/;Model={SystemProcesses.Model}")
            .UseSetting("Gateway:Profile", SystemProcesses.Profile)
            .UseSetting("PromptCache:Enabled", "false"));
        var primary = Assert.IsType<SocketsHttpHandler>(Chain(factory.Services.GetRequiredService<IHttpMessageHandlerFactory>(), client)[^1]);

        // vLLM closes a keep-alive connection idle for VLLM_HTTP_TIMEOUT_KEEP_ALIVE (5 s by default).
        Assert.Equal(TimeSpan.FromSeconds(4), primary.PooledConnectionIdleTimeout);
        Assert.False(primary.AllowAutoRedirect);
    }

    private static List<HttpMessageHandler> Chain(IHttpMessageHandlerFactory factory, string name)
    {
        var chain = new List<HttpMessageHandler>();
        for (HttpMessageHandler? handler = factory.CreateHandler(name); handler is not null; handler = (handler as DelegatingHandler)?.InnerHandler)
        {
            chain.Add(handler);
        }

        return chain;
    }
}
