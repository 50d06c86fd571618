using System.Diagnostics;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Options;
using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Engine;

/// <summary>Time to first token and inter-token latency follow the profile's planner figures and the time scale.</summary>
public sealed class TimingTests
{
    [Theory]
    [InlineData("awq-int4-a100", 1.0)]
    [InlineData("fp8-h100", 1.0)]
    [InlineData("bf16-tp2-a100", 2.5)]
    public async Task FirstTokenAndTokenGapsFollowTheProfileOnAScaledVirtualClock(string profile, double timeScale)
    {
        var deployment = new SimulatedDeployment(new SimulatorOptions { Profile = profile });
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch, autoAdvance: true);
        using var factory = new SimulatorFactory(new Dictionary<string, string?>
        {
            ["Simulator:Profile"] = profile,
            ["Simulator:TimeScale"] = timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, clock);
        var client = factory.CreateClient();
        var prompt = string.Concat(Enumerable.Repeat("lorem ipsum dolor ", 400));

        var (_, body, _) = await Http.PostAsync(client, "/v1/completions", $$"""{"prompt":"{{prompt}}","max_tokens":10,"ignore_eos":true}""");
        var metrics = await MetricsText.ScrapeAsync(client);

        var promptTokens = Json.Usage(Json.Parse(body), "prompt_tokens");
        var decodeStep = 1 / deployment.DecodeTokensPerSecond;
        var expectedTtft = timeScale * (decodeStep + promptTokens / deployment.PrefillTokensPerSecond);
        // Timers have millisecond resolution; each wait aims at an absolute time, so the error never accumulates.
        const double Resolution = 0.0011;
        Assert.Equal(expectedTtft, MetricsText.Value(metrics, "vllm:time_to_first_token_seconds_sum"), Resolution);
        Assert.Equal(9, MetricsText.Value(metrics, "vllm:inter_token_latency_seconds_count"));
        Assert.Equal(9 * timeScale * decodeStep, MetricsText.Value(metrics, "vllm:inter_token_latency_seconds_sum"), 2 * Resolution);
        Assert.Equal(expectedTtft + 9 * timeScale * decodeStep, MetricsText.Value(metrics, "vllm:e2e_request_latency_seconds_sum"), Resolution);
        Assert.Equal(expectedTtft + 9 * timeScale * decodeStep, clock.Elapsed.TotalSeconds, Resolution);
    }

    [Fact]
    public async Task AStepThatFiresLateMovesTheRestOfTheScheduleInsteadOfBursting()
    {
        var deployment = new SimulatedDeployment(new SimulatorOptions { Profile = "fp8-h100" });
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch, autoAdvance: true);
        using var factory = new SimulatorFactory(new Dictionary<string, string?>
        {
            ["Simulator:Profile"] = "fp8-h100",
            ["Simulator:TimeScale"] = "1",
        }, clock);
        var client = factory.CreateClient();
        var step = 1 / deployment.DecodeTokensPerSecond;
        await Http.PostAsync(client, "/v1/completions", """{"prompt":"Hi","max_tokens":1}""");
        var start = clock.Elapsed.TotalSeconds;
        var ttftBefore = MetricsText.Value(await MetricsText.ScrapeAsync(client), "vllm:time_to_first_token_seconds_sum");

        // Timer 1 is the prefill, timer 2 the first decode step; the third fires four steps late.
        clock.StallTimer(3, TimeSpan.FromSeconds(4 * step));
        await Http.PostAsync(client, "/v1/completions", """{"prompt":"Hi","max_tokens":10,"ignore_eos":true}""");
        var metrics = await MetricsText.ScrapeAsync(client);

        // Catching up would release the four missed tokens at once and end on the original schedule.
        var ttft = MetricsText.Value(metrics, "vllm:time_to_first_token_seconds_sum") - ttftBefore;
        Assert.Equal(ttft + 13 * step, clock.Elapsed.TotalSeconds - start, 0.0011);
        Assert.Equal(13 * step, MetricsText.Value(metrics, "vllm:inter_token_latency_seconds_sum"), 0.0021);
        Assert.Equal(0, MetricsText.Value(metrics, "vllm:inter_token_latency_seconds_bucket", "le=\"0.01\""));
    }

    [Fact]
    public async Task ALongerPromptTakesLongerToItsFirstToken()
    {
        var deployment = new SimulatedDeployment(new SimulatorOptions());
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch, autoAdvance: true);
        using var factory = new SimulatorFactory(new Dictionary<string, string?> { ["Simulator:TimeScale"] = "1" }, clock);
        var client = factory.CreateClient();

        await Http.PostAsync(client, "/v1/completions", """{"prompt":"short","max_tokens":1}""");
        var afterShort = MetricsText.Value(await MetricsText.ScrapeAsync(client), "vllm:time_to_first_token_seconds_sum");
        var longPrompt = string.Concat(Enumerable.Repeat("zebra ", 4000));
        await Http.PostAsync(client, "/v1/completions", $$"""{"prompt":"{{longPrompt}}","max_tokens":1}""");
        var longTtft = MetricsText.Value(await MetricsText.ScrapeAsync(client), "vllm:time_to_first_token_seconds_sum") - afterShort;

        Assert.True(longTtft > afterShort * 50, $"{longTtft} vs {afterShort}");
        Assert.InRange(longTtft, 8000 / deployment.PrefillTokensPerSecond, 8100 / deployment.PrefillTokensPerSecond + 0.03);
    }

    [Fact]
    public async Task ChunksArriveOverHttpAsTheyAreGeneratedOnTheRealClock()
    {
        // fp8-h100 decodes at ~35.6 tok/s: ~28 ms between tokens. Half speed: ~56 ms.
        var deployment = new SimulatedDeployment(new SimulatorOptions { Profile = "fp8-h100" });
        using var factory = new SimulatorFactory(new Dictionary<string, string?>
        {
            ["Simulator:Profile"] = "fp8-h100",
            ["Simulator:TimeScale"] = "2",
        });
        factory.UseKestrel(0);
        factory.StartServer();
        var client = factory.CreateClient();
        await Http.PostAsync(client, "/v1/completions", """{"prompt":"warm up","max_tokens":1}""");
        var step = 2 / deployment.DecodeTokensPerSecond;

        // On a loaded machine this process can be descheduled for longer than a few steps, and chunks that arrived
        // meanwhile are read together. A buffering server bunches every attempt; a streaming one spaces at least one.
        List<double> arrivals = [];
        for (var attempt = 0; attempt < 3; attempt++)
        {
            arrivals = await StreamArrivalsAsync(client);
            if (LooksStreamed(arrivals, step))
            {
                break;
            }
        }

        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b - a).Order().ToList();
        Assert.Equal(12, arrivals.Count);
        Assert.InRange(arrivals[0], step * 0.8, step + 1.0);
        Assert.InRange(gaps[gaps.Count / 2], step * 0.5, step * 2);
        Assert.InRange(arrivals[^1] - arrivals[0], 11 * step * 0.9, 11 * step * 3);
    }

    private static bool LooksStreamed(List<double> arrivals, double step)
    {
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b - a).Order().ToList();
        return arrivals.Count == 12
            && arrivals[0] >= step * 0.8 && arrivals[0] <= step + 1.0
            && gaps[gaps.Count / 2] >= step * 0.5 && gaps[gaps.Count / 2] <= step * 2
            && arrivals[^1] - arrivals[0] >= 11 * step * 0.9 && arrivals[^1] - arrivals[0] <= 11 * step * 3;
    }

    private static async Task<List<double>> StreamArrivalsAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("""{"prompt":"Hi","max_tokens":12,"ignore_eos":true,"stream":true}"""),
        };

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var arrivals = new List<double>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal))
            {
                arrivals.Add(clock.Elapsed.TotalSeconds);
            }
        }

        return arrivals;
    }
}
