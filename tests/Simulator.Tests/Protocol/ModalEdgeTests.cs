using Aspire70B.Simulator.Options;
using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>Standing in for a Modal endpoint with proxy auth: Modal's 401s, and requests held through a cold start.</summary>
public sealed class ModalEdgeTests
{
    private const string Key = "wk-test-key";
    private const string Secret = "ws-test-secret";

    private static SimulatorFactory Modal(FakeTimeProvider? clock = null, double coldStart = 0, double timeScale = 0) => new(new Dictionary<string, string?>
    {
        ["Simulator:TimeScale"] = timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Simulator:Modal:ProxyKey"] = Key,
        ["Simulator:Modal:ProxySecret"] = Secret,
        ["Simulator:Modal:ColdStartSeconds"] = coldStart.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }, clock);

    [Theory]
    [InlineData(null, null, "modal-http: missing credentials for proxy authorization")]
    [InlineData(Key, null, "modal-http: missing credentials for proxy authorization")]
    [InlineData(null, Secret, "modal-http: missing credentials for proxy authorization")]
    [InlineData(Key, "ws-wrong", "modal-http: invalid credentials for proxy authorization")]
    [InlineData("wk-wrong", Secret, "modal-http: invalid credentials for proxy authorization")]
    public async Task EveryRouteNeedsTheProxyAuthPair(string? key, string? secret, string message)
    {
        using var factory = Modal();
        var client = factory.CreateClient();
        foreach (var path in new[] { "/health", "/v1/models", "/metrics" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (key is not null)
            {
                request.Headers.Add("Modal-Key", key);
            }

            if (secret is not null)
            {
                request.Headers.Add("Modal-Secret", secret);
            }

            using var response = await client.SendAsync(request);

            Assert.Equal(401, (int)response.StatusCode);
            Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            Assert.Equal(message, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task TheRightPairReachesVllmsRoutes()
    {
        using var factory = Modal();
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("Modal-Key", Key);
        client.DefaultRequestHeaders.Add("Modal-Secret", Secret);

        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        var (status, body, _) = await Http.PostAsync(client, "/v1/completions", """{"prompt":"Hi","max_tokens":2}""");

        Assert.Equal(200, (int)health.StatusCode);
        Assert.Equal("", await health.Content.ReadAsStringAsync());
        Assert.Equal(200, status);
        Assert.Equal(2, Json.Usage(Json.Parse(body), "completion_tokens"));
    }

    [Fact]
    public async Task DuringAColdStartRequestsAreHeldUntilTheContainerIsUp()
    {
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch);
        using var factory = Modal(clock, coldStart: 90);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("Modal-Key", Key);
        client.DefaultRequestHeaders.Add("Modal-Secret", Secret);

        var health = client.GetAsync(new Uri("/health", UriKind.Relative));
        await WaitForTimerAsync(clock);
        clock.Advance(TimeSpan.FromSeconds(89));
        await Task.Delay(50);
        Assert.False(health.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(1));
        using var response = await health.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(200, (int)response.StatusCode);

        // Once up, nothing waits.
        using var again = await client.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(200, (int)again.StatusCode);
    }

    [Theory]
    [InlineData(1.0, 150)]
    [InlineData(0.1, 15)]
    public async Task ARequestHeldPastModalsResponseStartLimitGets303ToItsResultUrl(double timeScale, int limitSeconds)
    {
        // Modal's request-timeout guide: a web request that has not started responding within 150 s is answered with a
        // 303 to the original URL plus a query parameter naming the call. The Simulator scales the 150 s.
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch);
        using var factory = Modal(clock, coldStart: 1000, timeScale: timeScale);
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Modal-Key", Key);
        client.DefaultRequestHeaders.Add("Modal-Secret", Secret);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions?x=1")
        {
            Content = new StringContent("""{"prompt":"Hi","max_tokens":2}""", System.Text.Encoding.UTF8, "application/json"),
        };
        var completion = client.SendAsync(request);
        await WaitForTimerAsync(clock);
        clock.Advance(TimeSpan.FromSeconds(limitSeconds) - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        Assert.False(completion.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await completion.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(303, (int)response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Matches("^http://localhost/v1/completions\\?x=1&__modal_function_call_id=fc-[0-9a-f]{26}$", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task AResultUrlThatIsHeldAgainKeepsItsCallId()
    {
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch);
        using var factory = Modal(clock, coldStart: 1000, timeScale: 1);
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Modal-Key", Key);
        client.DefaultRequestHeaders.Add("Modal-Secret", Secret);

        var health = client.GetAsync(new Uri("/health?__modal_function_call_id=fc-abc", UriKind.Relative));
        await WaitForTimerAsync(clock);
        clock.Advance(TimeSpan.FromSeconds(150));
        using var response = await health.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(303, (int)response.StatusCode);
        Assert.Equal("http://localhost/health?__modal_function_call_id=fc-abc", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task AColdStartShorterThanTheLimitIsHeldThroughWithoutARedirect()
    {
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch);
        using var factory = Modal(clock, coldStart: 100, timeScale: 1);
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Modal-Key", Key);
        client.DefaultRequestHeaders.Add("Modal-Secret", Secret);

        var health = client.GetAsync(new Uri("/health", UriKind.Relative));
        await WaitForTimerAsync(clock);
        clock.Advance(TimeSpan.FromSeconds(100));
        using var response = await health.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task AnUnauthorizedRequestIsRefusedAtOnceEvenDuringAColdStart()
    {
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch);
        using var factory = Modal(clock, coldStart: 90);

        using var response = await factory.CreateClient().GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(401, (int)response.StatusCode);
    }

    [Theory]
    [InlineData(Key, null, 0, "Simulator:Modal needs both ProxyKey and ProxySecret")]
    [InlineData(null, Secret, 0, "Simulator:Modal needs both ProxyKey and ProxySecret")]
    [InlineData(Key, Secret, -1, "Simulator:Modal:ColdStartSeconds must be a finite number ≥ 0, got -1.")]
    [InlineData(null, null, 5, "Simulator:Modal:ColdStartSeconds needs the Modal emulation on")]
    [InlineData(Key, Secret, 0, "Simulator:Modal:ResponseStartLimitSeconds must be a positive number, got 0.", 0.0)]
    public void HalfAnEmulationIsRefusedAtStart(string? key, string? secret, double coldStart, string failure, double responseStartLimit = 150)
    {
        var options = new SimulatorOptions { Modal = new ModalEdgeOptions { ProxyKey = key, ProxySecret = secret, ColdStartSeconds = coldStart, ResponseStartLimitSeconds = responseStartLimit } };

        var result = new SimulatorOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.StartsWith(failure, StringComparison.Ordinal));
    }

    private static async Task WaitForTimerAsync(FakeTimeProvider clock)
    {
        for (var i = 0; i < 200 && clock.PendingTimers == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, clock.PendingTimers);
    }
}
