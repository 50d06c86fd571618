using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Engine;

/// <summary>A client that goes away mid-stream aborts its request: capacity is freed at once and the abort counted.</summary>
public sealed class AbortTests
{
    [Fact]
    public async Task AClientThatDisconnectsMidStreamAbortsTheRequest()
    {
        using var factory = new SimulatorFactory(new Dictionary<string, string?> { ["Simulator:TimeScale"] = "1" });
        factory.UseKestrel(0);
        factory.StartServer();
        var client = factory.CreateClient();
        Assert.StartsWith("http://127.0.0.1:", client.BaseAddress!.ToString(), StringComparison.Ordinal);

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("""{"prompt":"Go on and on","max_tokens":2000,"ignore_eos":true,"stream":true}"""),
        })
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: {", await reader.ReadLineAsync(), StringComparison.Ordinal);
            await CapacityTests.WaitForAsync(client, running: 1, waiting: 0);
        }

        await CapacityTests.WaitForAsync(client, running: 0, waiting: 0);
        var metrics = await MetricsText.ScrapeAsync(client);
        Assert.Equal(1, MetricsText.Value(metrics, "vllm:request_success_total", "finished_reason=\"abort\""));
        Assert.Equal(0, MetricsText.Value(metrics, "vllm:kv_cache_usage_perc"));
        Assert.True(MetricsText.Value(metrics, "vllm:generation_tokens_total") < 2000);
    }
}
