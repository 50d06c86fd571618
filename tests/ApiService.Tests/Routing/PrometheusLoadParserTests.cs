using Aspire70B.ApiService.Routing;

namespace Aspire70B.ApiService.Tests.Routing;

/// <summary>Reading a replica's load from vLLM's Prometheus text.</summary>
public sealed class PrometheusLoadParserTests
{
    /// <summary>
    /// The Simulator's real <c>/metrics</c> (vLLM 0.11's series, names and format), taken with three requests decoding
    /// after three identical prompts of 147 tokens, 96 of them prefix-cache hits.
    /// </summary>
    [Fact]
    public void TheSimulatorsMetricsTextGivesItsLoad()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Routing", "Golden", "simulator-metrics.txt"));

        var load = PrometheusLoadParser.Parse(text);

        Assert.Equal(new ReplicaLoad(Running: 3, Waiting: 0, KvCacheUsage: 0.006974716652136007, PrefixCacheQueries: 147, PrefixCacheHits: 96), load);
        Assert.Equal(96 / 147.0, load!.PrefixCacheHitRate);
    }

    [Fact]
    public void EnginesAddUpOlderNamesCountAndEverythingElseIsSkipped()
    {
        const string text = """
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{model_name="m",engine="0"} 2.0
            vllm:num_requests_running{model_name="m",engine="1"} 3.0
            vllm:num_requests_waiting{model_name="m",engine="0"} 1.0 1700000000000
            vllm:num_requests_waiting{model_name="m \"quoted} name\"",engine="1"} 4
            vllm:gpu_cache_usage_perc{model_name="m",engine="0"} 0.25
            vllm:gpu_cache_usage_perc{model_name="m",engine="1"} 0.5
            vllm:prefix_cache_queries_total{model_name="m"} 1e3
            vllm:prefix_cache_hits_total{model_name="m"} 250
            vllm:num_requests_running_extra{model_name="m"} 99
            vllm:num_requests_waiting{model_name="m"} NaN
            broken line
            """;

        Assert.Equal(new ReplicaLoad(5, 5, 0.5, 1000, 250), PrometheusLoadParser.Parse(text.Replace("\n", "\r\n", StringComparison.Ordinal)));
    }

    [Fact]
    public void TextWithoutTheRequestGaugesIsNoLoad()
    {
        Assert.Null(PrometheusLoadParser.Parse("# nothing here\nprocess_cpu_seconds_total 12.5\n"));
        Assert.Null(PrometheusLoadParser.Parse(""));
    }
}
