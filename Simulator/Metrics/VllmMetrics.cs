using System.Text;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Generation;
using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Metrics;

/// <summary>
/// The engine metrics vLLM's V1 Prometheus logger exposes, with its names, types, help texts, bucket bounds and
/// labels (<c>model_name</c>, <c>engine</c>), written in the Prometheus text format 0.0.4 the way prometheus_client
/// writes it (without the <c>_created</c> series). Thread-safe.
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

    private static readonly string[] FinishedReasons = [FinishReasons.Stop, FinishReasons.Length, FinishReasons.Abort];

    private readonly EngineCapacity _capacity;
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
        _capacity = capacity;
        _labels = $"model_name=\"{Escape(deployment.ServedModelName)}\",engine=\"0\"";
        RequestPromptTokens = new Histogram(Histogram.OneTwoFive(deployment.MaxModelLen));
        RequestGenerationTokens = new Histogram(Histogram.OneTwoFive(deployment.MaxModelLen));
    }

    public Histogram TimeToFirstToken { get; } = new(TimeToFirstTokenBuckets);

    public Histogram InterTokenLatency { get; } = new(InterTokenBuckets);

    public Histogram RequestLatency { get; } = new(RequestLatencyBuckets);

    public Histogram RequestPromptTokens { get; }

    public Histogram RequestGenerationTokens { get; }

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

    public string Render()
    {
        var text = new StringBuilder(8192);
        Gauge(text, "vllm:num_requests_running", "Number of requests in model execution batches.", _capacity.RunningRequests);
        Gauge(text, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", _capacity.WaitingRequests);
        Gauge(text, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", _capacity.KvCacheUsage);
        lock (_lock)
        {
            Counter(text, "vllm:num_preemptions", "Cumulative number of preemption from the engine.", 0);
            Counter(text, "vllm:prompt_tokens", "Number of prefill tokens processed.", _promptTokens);
            Counter(text, "vllm:generation_tokens", "Number of generation tokens processed.", _generationTokens);
            Counter(text, "vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.", _prefixQueries);
            Counter(text, "vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", _prefixHits);
            Header(text, "vllm:request_success_total", "Count of successfully processed requests.", "counter");
            foreach (var reason in FinishedReasons)
            {
                Sample(text, "vllm:request_success_total", $"{_labels},finished_reason=\"{reason}\"", _success[reason]);
            }
        }

        HistogramText(text, "vllm:request_prompt_tokens", "Number of prefill tokens processed.", RequestPromptTokens);
        HistogramText(text, "vllm:request_generation_tokens", "Number of generation tokens processed.", RequestGenerationTokens);
        HistogramText(text, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TimeToFirstToken);
        HistogramText(text, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", InterTokenLatency);
        HistogramText(text, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", RequestLatency);
        return text.ToString();
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
