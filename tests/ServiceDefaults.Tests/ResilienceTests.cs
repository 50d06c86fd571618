using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;

namespace Aspire70B.ServiceDefaults.Tests;

public sealed class ResilienceTests
{
    [Fact]
    public async Task AGetIsRetriedAfterATransientFailure()
    {
        var upstream = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        using var host = Host(upstream);

        using var response = await Client(host).GetAsync(new Uri("http://127.0.0.1:9/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, upstream.Calls);
    }

    [Fact]
    public async Task APostIsNeverRetriedBecauseTheModelMayAlreadyBeGenerating()
    {
        var upstream = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        using var host = Host(upstream);

        using var response = await Client(host).PostAsync(new Uri("http://127.0.0.1:9/v1/completions"), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.Calls);
    }

    [Fact]
    public async Task APostThatFailsToConnectIsNotRetriedEither()
    {
        var upstream = new ScriptedHandler(HttpStatusCode.OK) { FailFirst = 1 };
        using var host = Host(upstream);

        await Assert.ThrowsAsync<HttpRequestException>(() => Client(host).PostAsync(new Uri("http://127.0.0.1:9/v1/completions"), new StringContent("{}")));
        Assert.Equal(1, upstream.Calls);
    }

    private static HttpClient Client(IHost host) => host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("test");

    private static IHost Host(ScriptedHandler upstream)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        // The back-off is the library's business; the test only needs it not to wait.
        builder.Services.ConfigureAll<HttpStandardResilienceOptions>(options => options.Retry.Delay = TimeSpan.Zero);
        builder.Services.AddHttpClient("test").ConfigurePrimaryHttpMessageHandler(() => upstream);
        return builder.Build();
    }

    private sealed class ScriptedHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        public int FailFirst { get; init; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls) - 1;
            if (call < FailFirst)
            {
                throw new HttpRequestException("connection refused");
            }

            return Task.FromResult(new HttpResponseMessage(statuses[Math.Min(call - FailFirst, statuses.Length - 1)]));
        }
    }
}
