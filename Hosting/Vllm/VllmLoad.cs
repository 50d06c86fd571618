using System.Globalization;

namespace Aspire70B.Hosting.Vllm;

/// <summary>
/// A server's load and prefix cache as its Prometheus <c>/metrics</c> states them for one served model: requests
/// running and waiting (summed over engines), KV-cache usage (the fullest engine; vLLM 0.11's
/// <c>vllm:kv_cache_usage_perc</c>, else the older <c>vllm:gpu_cache_usage_perc</c>), and prefix-cache queried and hit tokens.
/// </summary>
internal sealed record VllmLoad(double Running, double Waiting, double? KvCacheUsage, double PrefixQueries, double PrefixHits)
{
    /// <summary>The figures for <paramref name="modelName"/> in a scrape in the Prometheus text format.</summary>
    public static VllmLoad Parse(string metrics, string modelName)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var samples = Samples(metrics, modelName).ToLookup(s => s.Name, s => s.Value);
        double? Max(string name) => samples[name].Any() ? samples[name].Max() : null;
        return new VllmLoad(
            samples["vllm:num_requests_running"].Sum(),
            samples["vllm:num_requests_waiting"].Sum(),
            Max("vllm:kv_cache_usage_perc") ?? Max("vllm:gpu_cache_usage_perc"),
            samples["vllm:prefix_cache_queries_total"].Sum(),
            samples["vllm:prefix_cache_hits_total"].Sum());
    }

    /// <summary>One line for the model's log.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var kv = KvCacheUsage is { } usage ? string.Create(c, $"KV cache {usage * 100:0.0} % used") : "KV cache usage not reported";
        var prefix = PrefixQueries > 0
            ? string.Create(c, $"prefix cache {PrefixHits / PrefixQueries * 100:0.0} % hit ({PrefixHits:N0} of {PrefixQueries:N0} queried tokens)")
            : "prefix cache not queried yet";
        return string.Create(c, $"Load: {Running:0} running, {Waiting:0} waiting, {kv}, {prefix}.");
    }

    /// <summary>The samples (name, value) whose <c>model_name</c> label is the model's, or that have none.</summary>
    private static IEnumerable<(string Name, double Value)> Samples(string metrics, string modelName)
    {
        var label = $"model_name=\"{modelName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
        foreach (var raw in metrics.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var close = brace < 0 ? -1 : line.LastIndexOf('}');
            var name = brace < 0 ? line[..Math.Max(0, line.IndexOf(' ', StringComparison.Ordinal))] : line[..brace];
            var labels = brace < 0 ? "" : line[(brace + 1)..Math.Max(brace + 1, close)];
            var rest = (close < 0 ? line[name.Length..] : line[(close + 1)..]).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (name.Length == 0 || rest.Length == 0
                || (labels.Contains("model_name=", StringComparison.Ordinal) && !labels.Contains(label, StringComparison.Ordinal))
                || !double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            yield return (name, value);
        }
    }
}
