using System.Globalization;
using System.Text;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Generation;
using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Metrics;

/// <summary>
/// The engine metrics vLLM 0.11.0's V1 Prometheus logger exposes (<c>PrometheusStatLogger</c> in
/// <c>vllm/v1/metrics/loggers.py</c>), with its names, types, help texts, bucket bounds, labels (<c>model_name</c>,
/// <c>engine</c>) and registration order, written in the Prometheus text format 0.0.4 the way prometheus_client writes
/// it (without the <c>_created</c> series). The series hidden behind <c>--show-hidden-metrics-for-version</c> in 0.11
/// (<c>vllm:gpu_cache_usage_perc</c>, <c>vllm:gpu_prefix_cache_*</c>) are left out, as a default server leaves them out.
/// Thread-safe.
/// </summary>
internal sealed class VllmMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] TimeToFirstTokenBuckets =
        [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];

    private static readonly double[] InterTokenBuckets =
        [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];

    private static readonly double[] RequestLatencyBuckets =
        [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];

    private static readonly double[] IterationTokenBuckets = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

    private static readonly double[] ParamsNBuckets = [1, 2, 5, 10, 20];

    private static readonly string[] FinishedReasons = [FinishReasons.Stop, FinishReasons.Length, FinishReasons.Abort];

    private readonly EngineCapacity _capacity;
    private readonly SimulatedDeployment _deployment;
    private readonly string _labels;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _success = FinishedReasons.ToDictionary(r => r, _ => 0L);
    private long _promptTokens;
    private long _generationTokens;
    private long _prefixQueries;
    private long _prefixHits;

    public VllmMetrics(SimulatedDeployment deployment, EngineCapacity capacity)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        _deployment = deployment;
        _capacity = capacity;
        _labels = $"model_name=\"{Escape(deployment.ServedModelName)}\",engine=\"0\"";
        RequestPromptTokens = new Histogram(Histogram.OneTwoFive(deployment.MaxModelLen));
        RequestGenerationTokens = new Histogram(Histogram.OneTwoFive(deployment.MaxModelLen));
        RequestMaxGenerationTokens = new Histogram(Histogram.OneTwoFive(deployment.MaxModelLen));
        RequestMaxTokensParam = new Histogram(Histogram.OneTwoFive(deployment.MaxModelLen));
    }

    public Histogram RequestPromptTokens { get; }

    public Histogram RequestGenerationTokens { get; }

    /// <summary>Tokens per engine step (prompt tokens computed plus tokens generated); here, per step of one request.</summary>
    public Histogram IterationTokens { get; } = new(IterationTokenBuckets);

    /// <summary>Per request: the most tokens one of its sequences generated.</summary>
    public Histogram RequestMaxGenerationTokens { get; }

    public Histogram RequestParamsN { get; } = new(ParamsNBuckets);

    /// <summary>Per finished sequence whose request set <c>max_tokens</c>: that value.</summary>
    public Histogram RequestMaxTokensParam { get; }

    public Histogram TimeToFirstToken { get; } = new(TimeToFirstTokenBuckets);

    /// <summary>0.11 observes every inter-token gap in both this (deprecated) series and <see cref="InterTokenLatency"/>.</summary>
    public Histogram TimePerOutputToken { get; } = new(InterTokenBuckets);

    public Histogram InterTokenLatency { get; } = new(InterTokenBuckets);

    /// <summary>Per finished sequence: its decode time ÷ (generated tokens − 1).</summary>
    public Histogram RequestTimePerOutputToken { get; } = new(InterTokenBuckets);

    public Histogram RequestLatency { get; } = new(RequestLatencyBuckets);

    /// <summary>Per finished sequence: arrival until scheduled (WAITING).</summary>
    public Histogram RequestQueueTime { get; } = new(RequestLatencyBuckets);

    /// <summary>Per finished sequence: scheduled until finished (RUNNING: prefill and decode).</summary>
    public Histogram RequestInferenceTime { get; } = new(RequestLatencyBuckets);

    /// <summary>Per finished sequence: scheduled until its first token.</summary>
    public Histogram RequestPrefillTime { get; } = new(RequestLatencyBuckets);

    /// <summary>Per finished sequence: first token until its last.</summary>
    public Histogram RequestDecodeTime { get; } = new(RequestLatencyBuckets);

    public void PromptProcessed(int promptTokens, int cachedTokens)
    {
        lock (_lock)
        {
            _promptTokens += promptTokens;
            _prefixQueries += promptTokens;
            _prefixHits += cachedTokens;
        }
    }

    public void TokensGenerated(int count)
    {
        lock (_lock)
        {
            _generationTokens += count;
        }
    }

    public void RequestFinished(string finishReason)
    {
        lock (_lock)
        {
            _success[finishReason]++;
        }
    }

    public long SuccessCount(string finishReason)
    {
        lock (_lock)
        {
            return _success.GetValueOrDefault(finishReason);
        }
    }

    /// <summary>Records a finished sequence's phases (seconds) and, when set, the request's <c>max_tokens</c>.</summary>
    public void SequenceFinished(double queued, double prefill, double decode, int generatedTokens, long? maxTokensParam)
    {
        RequestQueueTime.Observe(queued);
        RequestPrefillTime.Observe(prefill);
        RequestDecodeTime.Observe(decode);
        RequestInferenceTime.Observe(prefill + decode);
        RequestTimePerOutputToken.Observe(generatedTokens > 1 ? decode / (generatedTokens - 1) : 0);
        if (maxTokensParam is > 0 and var max)
        {
            RequestMaxTokensParam.Observe(max);
        }
    }

    public string Render()
    {
        var text = new StringBuilder(32768);
        Gauge(text, "vllm:num_requests_running", "Number of requests in model execution batches.", _capacity.RunningRequests);
        Gauge(text, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", _capacity.WaitingRequests);
        Gauge(text, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", _capacity.KvCacheUsage);
        lock (_lock)
        {
            Counter(text, "vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.", _prefixQueries);
            Counter(text, "vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", _prefixHits);
            Counter(text, "vllm:num_preemptions", "Cumulative number of preemption from the engine.", 0);
            Counter(text, "vllm:prompt_tokens", "Number of prefill tokens processed.", _promptTokens);
            Counter(text, "vllm:generation_tokens", "Number of generation tokens processed.", _generationTokens);
            Header(text, "vllm:request_success_total", "Count of successfully processed requests.", "counter");
            foreach (var reason in FinishedReasons)
            {
                Sample(text, "vllm:request_success_total", $"{_labels},finished_reason=\"{reason}\"", _success[reason]);
            }
        }

        HistogramText(text, "vllm:request_prompt_tokens", "Number of prefill tokens processed.", RequestPromptTokens);
        HistogramText(text, "vllm:request_generation_tokens", "Number of generation tokens processed.", RequestGenerationTokens);
        HistogramText(text, "vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", IterationTokens);
        HistogramText(text, "vllm:request_max_num_generation_tokens", "Histogram of maximum number of requested generation tokens.", RequestMaxGenerationTokens);
        HistogramText(text, "vllm:request_params_n", "Histogram of the n request parameter.", RequestParamsN);
        HistogramText(text, "vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", RequestMaxTokensParam);
        HistogramText(text, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TimeToFirstToken);
        HistogramText(text, "vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds instead.", TimePerOutputToken);
        HistogramText(text, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", InterTokenLatency);
        HistogramText(text, "vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", RequestTimePerOutputToken);
        HistogramText(text, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", RequestLatency);
        HistogramText(text, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", RequestQueueTime);
        HistogramText(text, "vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", RequestInferenceTime);
        HistogramText(text, "vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", RequestPrefillTime);
        HistogramText(text, "vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", RequestDecodeTime);
        CacheConfigInfo(text);
        return text.ToString();
    }

    /// <summary>
    /// <c>vllm:cache_config_info</c>: a gauge fixed at 1 whose labels are the cache configuration (written by
    /// <c>log_metrics_info("cache_config", …)</c> once the engine is up), <c>engine</c> last. The labels here are the
    /// ones the Simulator knows from the profile and the plan, in <c>CacheConfig</c>'s field order; vLLM writes every field.
    /// </summary>
    private void CacheConfigInfo(StringBuilder text)
    {
        var request = _deployment.Profile.ToPlanRequest();
        var c = CultureInfo.InvariantCulture;
        var labels = string.Create(c,
            $"block_size=\"{_deployment.BlockSize}\",gpu_memory_utilization=\"{PythonFormat.Float(request.GpuMemoryUtilization)}\",cache_dtype=\"{(request.KvCacheDtype == Aspire70B.Serving.Planning.KvCacheDtype.Fp8 ? "fp8" : "auto")}\",enable_prefix_caching=\"True\",num_gpu_blocks=\"{_deployment.KvCacheBlocks}\",engine=\"0\"");
        Header(text, "vllm:cache_config_info", "Information of the LLMEngine CacheConfig", "gauge");
        Sample(text, "vllm:cache_config_info", labels, 1);
    }

    private void Gauge(StringBuilder text, string name, string help, double value)
    {
        Header(text, name, help, "gauge");
        Sample(text, name, _labels, value);
    }

    private void Counter(StringBuilder text, string name, string help, double value)
    {
        Header(text, name + "_total", help, "counter");
        Sample(text, name + "_total", _labels, value);
    }

    private void HistogramText(StringBuilder text, string name, string help, Histogram histogram)
    {
        Header(text, name, help, "histogram");
        var (cumulative, sum) = histogram.Snapshot();
        for (var i = 0; i < cumulative.Length; i++)
        {
            var bound = i < histogram.UpperBounds.Count ? histogram.UpperBounds[i] : double.PositiveInfinity;
            Sample(text, name + "_bucket", $"{_labels},le=\"{PythonFormat.PrometheusFloat(bound)}\"", cumulative[i]);
        }

        Sample(text, name + "_count", _labels, cumulative[^1]);
        Sample(text, name + "_sum", _labels, sum);
    }

    private static void Header(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append('{').Append(labels).Append("} ").Append(PythonFormat.PrometheusFloat(value)).Append('\n');

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
