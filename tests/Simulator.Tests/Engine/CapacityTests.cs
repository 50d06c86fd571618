using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Engine;

/// <summary>
/// The profile's max_num_seqs and KV cache bound how many requests run; the rest wait (FIFO) and are counted in
/// vllm:num_requests_waiting. On a manual clock nothing finishes until time is moved on.
/// </summary>
public sealed class CapacityTests
{
    [Fact]
    public async Task TheRequestAfterMaxNumSeqsWaitsUntilOneFinishes()
    {
        // awq-int4-a100 runs at most 32 sequences.
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch);
        using var factory = new SimulatorFactory(new Dictionary<string, string?> { ["Simulator:TimeScale"] = "1" }, clock);
        var client = factory.CreateClient();

        var first32 = Enumerable.Range(0, 32).Select(i => Http.PostAsync(client, "/v1/completions", $$"""{"prompt":"request {{i}}","max_tokens":2,"ignore_eos":true}""")).ToList();
        await WaitForAsync(client, running: 32, waiting: 0);
        var extra = Http.PostAsync(client, "/v1/completions", """{"prompt":"one too many","max_tokens":2,"ignore_eos":true}""");
        await WaitForAsync(client, running: 32, waiting: 1);

        Assert.All(first32, t => Assert.False(t.IsCompleted));
        Assert.False(extra.IsCompleted);

        await RunClockUntilAsync(clock, () => first32.All(t => t.IsCompleted));
        await RunClockUntilAsync(clock, () => extra.IsCompleted);
        var (status, body, _) = await extra;
        Assert.Equal(200, status);
        Assert.Equal(2, Json.Usage(Json.Parse(body), "completion_tokens"));
        await WaitForAsync(client, running: 0, waiting: 0);
    }

    [Fact]
    public async Task KvCacheTokensBoundConcurrencyForLongRequests()
    {
        // awq-int4-a100 holds 110,112 KV tokens (6,882 blocks): six requests of 16,000 output tokens fit, a seventh waits.
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch);
        using var factory = new SimulatorFactory(new Dictionary<string, string?> { ["Simulator:TimeScale"] = "1" }, clock);
        var client = factory.CreateClient();
        using var cancel = new CancellationTokenSource();

        var requests = Enumerable.Range(0, 7).Select(i => StartStream(client, $$"""{"prompt":"long {{i}}","max_tokens":16000,"stream":true}""", cancel.Token)).ToList();
        await WaitForAsync(client, running: 6, waiting: 1);

        var metrics = await MetricsText.ScrapeAsync(client);
        Assert.Equal(6 * 1001 / 6882.0, MetricsText.Value(metrics, "vllm:kv_cache_usage_perc"), 6);

        await cancel.CancelAsync();
        await Task.WhenAll(requests.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        await WaitForAsync(client, running: 0, waiting: 0);
    }

    private static async Task<HttpResponseMessage> StartStream(HttpClient client, string json, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(json) };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    internal static async Task WaitForAsync(HttpClient client, int running, int waiting)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string metrics;
        do
        {
            metrics = await MetricsText.ScrapeAsync(client);
            if (MetricsText.Value(metrics, "vllm:num_requests_running") == running && MetricsText.Value(metrics, "vllm:num_requests_waiting") == waiting)
            {
                return;
            }

            await Task.Delay(10);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"Expected {running} running and {waiting} waiting; metrics say {MetricsText.Value(metrics, "vllm:num_requests_running")} and {MetricsText.Value(metrics, "vllm:num_requests_waiting")}.");
    }

    private static async Task RunClockUntilAsync(FakeTimeProvider clock, Func<bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!done() && DateTime.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(5);
        }

        Assert.True(done(), "The requests did not finish.");
    }
}
