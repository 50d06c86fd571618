using Aspire70B.Simulator.Options;
using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>Standing in for a Modal endpoint with proxy auth: Modal's 401s, and requests held through a cold start.</summary>
public sealed class ModalEdgeTests
{
    private const string Key = "wk-test-key";
    private const string Secret = "ws-test-secret";

    private static SimulatorFactory Modal(FakeTimeProvider? clock = null, double coldStart = 0) => new(new Dictionary<string, string?>
    {
        ["Simulator:TimeScale"] = "0",
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
    public void HalfAnEmulationIsRefusedAtStart(string? key, string? secret, double coldStart, string failure)
    {
        var options = new SimulatorOptions { Modal = new ModalEdgeOptions { ProxyKey = key, ProxySecret = secret, ColdStartSeconds = coldStart } };

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
