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

    /// <summary>
    /// Every series vLLM 0.11.0 exports by default, in its registration order, with its type and help text — read from
    /// vllm/v1/metrics/loggers.py (PrometheusStatLogger) of that release line; the 0.11 additions
    /// (time_per_output_token_seconds deprecated in favour of inter_token_latency_seconds,
    /// request_time_per_output_token_seconds) are the ones issue 19 lists. Counters are written with their _total name.
    /// </summary>
    [Fact]
    public async Task EverySeriesVllm011ExportsIsThereInOrderWithItsTypeAndHelp()
    {
        using var factory = new SimulatorFactory();
        var text = await MetricsText.ScrapeAsync(factory.CreateClient());

        (string Name, string Type, string Help)[] expected =
        [
            ("vllm:num_requests_running", "gauge", "Number of requests in model execution batches."),
            ("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed."),
            ("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage."),
            ("vllm:prefix_cache_queries_total", "counter", "Prefix cache queries, in terms of number of queried tokens."),
            ("vllm:prefix_cache_hits_total", "counter", "Prefix cache hits, in terms of number of cached tokens."),
            ("vllm:num_preemptions_total", "counter", "Cumulative number of preemption from the engine."),
            ("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed."),
            ("vllm:generation_tokens_total", "counter", "Number of generation tokens processed."),
            ("vllm:request_success_total", "counter", "Count of successfully processed requests."),
            ("vllm:request_prompt_tokens", "histogram", "Number of prefill tokens processed."),
            ("vllm:request_generation_tokens", "histogram", "Number of generation tokens processed."),
            ("vllm:iteration_tokens_total", "histogram", "Histogram of number of tokens per engine_step."),
            ("vllm:request_max_num_generation_tokens", "histogram", "Histogram of maximum number of requested generation tokens."),
            ("vllm:request_params_n", "histogram", "Histogram of the n request parameter."),
            ("vllm:request_params_max_tokens", "histogram", "Histogram of the max_tokens request parameter."),
            ("vllm:time_to_first_token_seconds", "histogram", "Histogram of time to first token in seconds."),
            ("vllm:time_per_output_token_seconds", "histogram", "Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds instead."),
            ("vllm:inter_token_latency_seconds", "histogram", "Histogram of inter-token latency in seconds."),
            ("vllm:request_time_per_output_token_seconds", "histogram", "Histogram of time_per_output_token_seconds per request."),
            ("vllm:e2e_request_latency_seconds", "histogram", "Histogram of e2e request latency in seconds."),
            ("vllm:request_queue_time_seconds", "histogram", "Histogram of time spent in WAITING phase for request."),
            ("vllm:request_inference_time_seconds", "histogram", "Histogram of time spent in RUNNING phase for request."),
            ("vllm:request_prefill_time_seconds", "histogram", "Histogram of time spent in PREFILL phase for request."),
            ("vllm:request_decode_time_seconds", "histogram", "Histogram of time spent in DECODE phase for request."),
            ("vllm:cache_config_info", "gauge", "Information of the LLMEngine CacheConfig"),
        ];
        var types = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).ToList();

        Assert.Equal(expected.Select(e => $"# TYPE {e.Name} {e.Type}"), types);
        foreach (var (name, _, help) in expected)
        {
            Assert.Contains($"\n# HELP {name} {help}\n# TYPE {name} ", "\n" + text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("vllm:gpu_cache_usage_perc", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vllm:iteration_tokens_total", "1.0,8.0,16.0,32.0,64.0,128.0,256.0,512.0,1024.0,2048.0,4096.0,8192.0,16384.0,+Inf")]
    [InlineData("vllm:request_params_n", "1.0,2.0,5.0,10.0,20.0,+Inf")]
    [InlineData("vllm:request_params_max_tokens", "1.0,2.0,5.0,10.0,20.0,50.0,100.0,200.0,500.0,1000.0,2000.0,5000.0,10000.0,+Inf")]
    [InlineData("vllm:request_max_num_generation_tokens", "1.0,2.0,5.0,10.0,20.0,50.0,100.0,200.0,500.0,1000.0,2000.0,5000.0,10000.0,+Inf")]
    [InlineData("vllm:time_per_output_token_seconds", "0.01,0.025,0.05,0.075,0.1,0.15,0.2,0.3,0.4,0.5,0.75,1.0,2.5,5.0,7.5,10.0,20.0,40.0,80.0,+Inf")]
    [InlineData("vllm:request_time_per_output_token_seconds", "0.01,0.025,0.05,0.075,0.1,0.15,0.2,0.3,0.4,0.5,0.75,1.0,2.5,5.0,7.5,10.0,20.0,40.0,80.0,+Inf")]
    [InlineData("vllm:request_queue_time_seconds", "0.3,0.5,0.8,1.0,1.5,2.0,2.5,5.0,10.0,15.0,20.0,30.0,40.0,50.0,60.0,120.0,240.0,480.0,960.0,1920.0,7680.0,+Inf")]
    [InlineData("vllm:request_decode_time_seconds", "0.3,0.5,0.8,1.0,1.5,2.0,2.5,5.0,10.0,15.0,20.0,30.0,40.0,50.0,60.0,120.0,240.0,480.0,960.0,1920.0,7680.0,+Inf")]
    public async Task HistogramsUseVllmsBuckets(string name, string bounds)
    {
        // Buckets from vllm/v1/metrics/loggers.py: fixed lists, or build_1_2_5_buckets(max_model_len) (16384 here).
        using var factory = new SimulatorFactory();
        var text = await MetricsText.ScrapeAsync(factory.CreateClient());

        var seen = text.Split('\n').Where(l => l.StartsWith(name + "_bucket{", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..l.IndexOf("\"}", StringComparison.Ordinal)]);
        Assert.Equal(bounds, string.Join(',', seen));
    }

    [Fact]
    public async Task TheCacheConfigIsAnInfoGaugeWithTheProfilesSettings()
    {
        using var factory = new SimulatorFactory(new Dictionary<string, string?> { ["Simulator:Profile"] = "fp8-h100" });
        var text = await MetricsText.ScrapeAsync(factory.CreateClient());
        var blocks = new Aspire70B.Simulator.Engine.SimulatedDeployment(new Aspire70B.Simulator.Options.SimulatorOptions { Profile = "fp8-h100" }).KvCacheBlocks;

        Assert.Contains(
            $"\nvllm:cache_config_info{{block_size=\"16\",gpu_memory_utilization=\"0.95\",cache_dtype=\"fp8\",enable_prefix_caching=\"True\",num_gpu_blocks=\"{blocks}\",engine=\"0\"}} 1.0\n",
            text,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachFinishedSequenceRecordsItsQueuePrefillAndDecodePhasesAndTheRequestsParameters()
    {
        var deployment = new Aspire70B.Simulator.Engine.SimulatedDeployment(new Aspire70B.Simulator.Options.SimulatorOptions { Profile = "awq-int4-a100" });
        var clock = new FakeTimeProvider(FakeTimeProvider.Epoch, autoAdvance: true);
        using var factory = new SimulatorFactory(new Dictionary<string, string?> { ["Simulator:TimeScale"] = "1" }, clock);
        var client = factory.CreateClient();

        var (_, body, _) = await Http.PostAsync(client, "/v1/completions", """{"prompt":"Hi there","max_tokens":5,"n":2,"ignore_eos":true}""");
        var text = await MetricsText.ScrapeAsync(client);

        var promptTokens = Json.Usage(Json.Parse(body), "prompt_tokens");
        var step = 1 / deployment.DecodeTokensPerSecond;
        var prefill = step + promptTokens / deployment.PrefillTokensPerSecond;
        const double Resolution = 0.0011;
        Assert.Equal(2, MetricsText.Value(text, "vllm:request_queue_time_seconds_count"));
        Assert.Equal(0, MetricsText.Value(text, "vllm:request_queue_time_seconds_sum"), Resolution);
        Assert.Equal(2 * prefill, MetricsText.Value(text, "vllm:request_prefill_time_seconds_sum"), 2 * Resolution);
        Assert.Equal(2 * 4 * step, MetricsText.Value(text, "vllm:request_decode_time_seconds_sum"), 2 * Resolution);
        Assert.Equal(2 * (prefill + 4 * step), MetricsText.Value(text, "vllm:request_inference_time_seconds_sum"), 4 * Resolution);
        Assert.Equal(2 * step, MetricsText.Value(text, "vllm:request_time_per_output_token_seconds_sum"), 2 * Resolution);
        Assert.Equal(8, MetricsText.Value(text, "vllm:time_per_output_token_seconds_count"));
        Assert.Equal(MetricsText.Value(text, "vllm:inter_token_latency_seconds_sum"), MetricsText.Value(text, "vllm:time_per_output_token_seconds_sum"));
        Assert.Equal(10, MetricsText.Value(text, "vllm:request_params_max_tokens_sum"));
        Assert.Equal(2, MetricsText.Value(text, "vllm:request_params_n_sum"));
        Assert.Equal(1, MetricsText.Value(text, "vllm:request_params_n_count"));
        Assert.Equal(5, MetricsText.Value(text, "vllm:request_max_num_generation_tokens_sum"));
        // Five steps: the prefill (the prompt and two first tokens), then four of two tokens.
        Assert.Equal(5, MetricsText.Value(text, "vllm:iteration_tokens_total_count"));
        Assert.Equal(promptTokens + 10, MetricsText.Value(text, "vllm:iteration_tokens_total_sum"));
    }

    [Fact]
    public async Task AChatWithoutMaxTokensIsNotCountedInTheMaxTokensParameter()
    {
        using var factory = new SimulatorFactory();
        var client = factory.CreateClient();

        await Http.PostAsync(client, "/v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}]}""");
        var text = await MetricsText.ScrapeAsync(client);

        Assert.Equal(0, MetricsText.Value(text, "vllm:request_params_max_tokens_count"));
        Assert.Equal(1, MetricsText.Value(text, "vllm:request_params_n_count"));
    }
}
