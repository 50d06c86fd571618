using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Engine;

/// <summary>/metrics exposes vLLM's engine metrics, and they count what the responses report.</summary>
public sealed class MetricsTests
{
    private const string Labels = "model_name=\"llama-3.1-70b-instruct\",engine=\"0\"";

    [Fact]
    public async Task MetricsUseVllmsNamesTypesLabelsAndContentType()
    {
        using var factory = new SimulatorFactory();
        using var response = await factory.CreateClient().GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        (string Name, string Type)[] expected =
        [
            ("vllm:num_requests_running", "gauge"), ("vllm:num_requests_waiting", "gauge"), ("vllm:kv_cache_usage_perc", "gauge"),
            ("vllm:prompt_tokens_total", "counter"), ("vllm:generation_tokens_total", "counter"), ("vllm:request_success_total", "counter"),
            ("vllm:num_preemptions_total", "counter"), ("vllm:prefix_cache_queries_total", "counter"), ("vllm:prefix_cache_hits_total", "counter"),
            ("vllm:time_to_first_token_seconds", "histogram"), ("vllm:inter_token_latency_seconds", "histogram"),
            ("vllm:e2e_request_latency_seconds", "histogram"), ("vllm:request_prompt_tokens", "histogram"), ("vllm:request_generation_tokens", "histogram"),
        ];
        foreach (var (name, type) in expected)
        {
            Assert.Contains($"\n# TYPE {name} {type}\n", "\n" + text, StringComparison.Ordinal);
        }

        Assert.Contains($"vllm:num_requests_running{{{Labels}}} 0.0\n", text, StringComparison.Ordinal);
        Assert.Contains($"vllm:request_success_total{{{Labels},finished_reason=\"abort\"}} 0.0\n", text, StringComparison.Ordinal);
        Assert.Contains($"vllm:time_to_first_token_seconds_bucket{{{Labels},le=\"0.001\"}} 0.0\n", text, StringComparison.Ordinal);
        Assert.Contains($"vllm:time_to_first_token_seconds_bucket{{{Labels},le=\"+Inf\"}} 0.0\n", text, StringComparison.Ordinal);
        Assert.Contains($"vllm:request_prompt_tokens_bucket{{{Labels},le=\"10000.0\"}} 0.0\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("le=\"20000.0\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountersFollowTheUsageOfEachResponse()
    {
        using var factory = new SimulatorFactory();
        var client = factory.CreateClient();
        var (_, first, _) = await Http.PostAsync(client, "/v1/completions", """{"prompt":"Count these tokens","temperature":0}""");
        var (_, second, _) = await Http.PostAsync(client, "/v1/completions", """{"prompt":"Count these tokens too, please","max_tokens":2,"temperature":0}""");
        var text = await MetricsText.ScrapeAsync(client);

        var a = Json.Parse(first);
        var b = Json.Parse(second);
        Assert.Equal(Json.Usage(a, "prompt_tokens") + Json.Usage(b, "prompt_tokens"), MetricsText.Value(text, "vllm:prompt_tokens_total"));
        Assert.Equal(Json.Usage(a, "completion_tokens") + Json.Usage(b, "completion_tokens"), MetricsText.Value(text, "vllm:generation_tokens_total"));
        Assert.Equal(1, MetricsText.Value(text, "vllm:request_success_total", "finished_reason=\"stop\""));
        Assert.Equal(1, MetricsText.Value(text, "vllm:request_success_total", "finished_reason=\"length\""));
        Assert.Equal(2, MetricsText.Value(text, "vllm:e2e_request_latency_seconds_count"));
        Assert.Equal(Json.Usage(a, "completion_tokens") + Json.Usage(b, "completion_tokens") - 2, MetricsText.Value(text, "vllm:inter_token_latency_seconds_count"));
    }

    [Fact]
    public async Task ARepeatedPromptHitsThePrefixCacheInWholeBlocks()
    {
        using var factory = new SimulatorFactory();
        var client = factory.CreateClient();
        var prompt = string.Concat(Enumerable.Repeat("zebra quagga ", 8));
        var (_, body, _) = await Http.PostAsync(client, "/v1/completions", $$"""{"prompt":"{{prompt}}","max_tokens":1}""");
        await Http.PostAsync(client, "/v1/completions", $$"""{"prompt":"{{prompt}}","max_tokens":1}""");
        var salted = await Http.PostAsync(client, "/v1/completions", $$"""{"prompt":"{{prompt}}","max_tokens":1,"cache_salt":"tenant-b"}""");
        var text = await MetricsText.ScrapeAsync(client);

        var promptTokens = Json.Usage(Json.Parse(body), "prompt_tokens");
        Assert.Equal(3 * promptTokens, MetricsText.Value(text, "vllm:prefix_cache_queries_total"));
        Assert.Equal((promptTokens - 1) / 16 * 16, MetricsText.Value(text, "vllm:prefix_cache_hits_total"));
        Assert.Equal(200, salted.Status);
    }
}
