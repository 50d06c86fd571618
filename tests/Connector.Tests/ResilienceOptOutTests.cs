using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Aspire70B.Connector.Tests;

/// <summary>The connector's client in an app whose service defaults add the standard resilience handler to every client.</summary>
public sealed class ResilienceOptOutTests
{
    [Fact]
    public async Task AChatOutlivesTheDefaultsAttemptTimeout()
    {
        var upstream = new SlowHandler(TimeSpan.FromSeconds(1));
        using var provider = Services(upstream, attemptTimeout: TimeSpan.FromMilliseconds(50));
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(Aspire70BChatClientExtensions.HttpClientName);

        using var response = await http.PostAsync(new Uri("http://127.0.0.1:9/v1/chat/completions"), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, upstream.Calls);
    }

    [Fact]
    public void OnlyTheDefaultsResilienceGoesAndTheAppsOwnStays()
    {
        using var provider = Services(new SlowHandler(TimeSpan.Zero), TimeSpan.FromSeconds(10), own: http => http.AddResilienceHandler("own", pipeline => pipeline.AddTimeout(TimeSpan.FromMinutes(5))));

        var connector = Chain(provider, Aspire70BChatClientExtensions.HttpClientName).OfType<ResilienceHandler>();
        var ordinary = Chain(provider, "ordinary").OfType<ResilienceHandler>();

        Assert.Single(connector);
        Assert.Single(ordinary);
    }

    private static ServiceProvider Services(SlowHandler upstream, TimeSpan attemptTimeout, Action<IHttpClientBuilder>? own = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(options =>
        {
            options.AttemptTimeout.Timeout = attemptTimeout;
            options.Retry.DisableForUnsafeHttpMethods();
        }));
        builder.AddAspire70BChatClient(configureSettings: settings => settings.Endpoint = new Uri("http://127.0.0.1:9"));
        var connector = builder.Services.AddHttpClient(Aspire70BChatClientExtensions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => upstream);
        own?.Invoke(connector);
        builder.Services.AddHttpClient("ordinary");
        return builder.Services.BuildServiceProvider();
    }

    private static IEnumerable<HttpMessageHandler> Chain(IServiceProvider provider, string name)
    {
        HttpMessageHandler? handler = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(name);
        while (handler is not null)
        {
            yield return handler;
            handler = (handler as DelegatingHandler)?.InnerHandler;
        }
    }

    private sealed class SlowHandler(TimeSpan delay) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await Task.Delay(delay, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
