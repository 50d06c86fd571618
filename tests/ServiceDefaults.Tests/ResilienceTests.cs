using System.Net;
using Aspire70B.ServiceDefaults.Resilience;

namespace Aspire70B.ServiceDefaults.Tests;

public sealed class ResilienceTests
{
    private static HttpClient Client(ScriptedHandler upstream) =>
        new(new StandardResilienceHandler(StandardResilienceHandler.CreatePipeline(TimeSpan.FromMilliseconds(1))) { InnerHandler = upstream });

    [Fact]
    public async Task ASafeRequestIsRetriedOnTransientFailuresUntilItSucceeds()
    {
        var upstream = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        using var client = Client(upstream);

        using var response = await client.GetAsync(new Uri("http://model/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, upstream.Calls);
    }

    [Fact]
    public async Task ASafeRequestGivesUpAfterThreeRetriesWithTheLastAnswer()
    {
        var upstream = new ScriptedHandler(Enumerable.Repeat(HttpStatusCode.BadGateway, 10).ToArray());
        using var client = Client(upstream);

        using var response = await client.GetAsync(new Uri("http://model/health"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(1 + StandardResilienceHandler.MaxRetryAttempts, upstream.Calls);
    }

    [Fact]
    public async Task AConnectionFailureOnASafeRequestIsRetried()
    {
        var upstream = new ScriptedHandler(HttpStatusCode.OK) { FailFirst = 1 };
        using var client = Client(upstream);

        using var response = await client.GetAsync(new Uri("http://model/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, upstream.Calls);
    }

    [Fact]
    public async Task APostPassesThroughUntouchedSoStreamsAreNeitherRetriedNorTimedOut()
    {
        var upstream = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        using var client = Client(upstream);

        using var response = await client.PostAsync(new Uri("http://model/v1/completions"), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.Calls);
    }

    [Fact]
    public async Task ClientErrorsAreNotRetried()
    {
        var upstream = new ScriptedHandler(HttpStatusCode.NotFound, HttpStatusCode.OK);
        using var client = Client(upstream);

        using var response = await client.GetAsync(new Uri("http://model/v1/nothing"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, upstream.Calls);
    }

    [Fact]
    public async Task TheCallersCancellationIsNotRetried()
    {
        var upstream = new ScriptedHandler(HttpStatusCode.OK) { Delay = TimeSpan.FromSeconds(30) };
        using var client = Client(upstream);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync(new Uri("http://model/health"), cancel.Token));
        Assert.Equal(1, upstream.Calls);
    }

    private sealed class ScriptedHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        public int FailFirst { get; init; }

        public TimeSpan Delay { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls) - 1;
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            if (call < FailFirst)
            {
                throw new HttpRequestException("connection refused");
            }

            return new HttpResponseMessage(statuses[Math.Min(call - FailFirst, statuses.Length - 1)]);
        }
    }
}
