using System.Globalization;

namespace Aspire70B.ApiService.Routing;

/// <summary>
/// Reads a replica's load from vLLM's <c>/metrics</c> (the Prometheus text format 0.0.4): <c>vllm:num_requests_running</c>,
/// <c>vllm:num_requests_waiting</c>, the KV-cache usage (<c>vllm:kv_cache_usage_perc</c> in vLLM 0.11 — what the pinned
/// vLLM and the Simulator write — or <c>vllm:gpu_cache_usage_perc</c> in older ones), <c>vllm:prefix_cache_queries_total</c>
/// and <c>vllm:prefix_cache_hits_total</c>. A server serves one model; samples of several engines (data parallel, the
/// <c>engine</c> label) are added up, the KV usage is their highest. Every other line is skipped.
/// </summary>
internal static class PrometheusLoadParser
{
    /// <summary>The load, or null when the text has neither request gauge (not a vLLM server).</summary>
    public static ReplicaLoad? Parse(ReadOnlySpan<char> text)
    {
        double running = 0, waiting = 0, kv = 0, queries = 0, hits = 0;
        var seen = false;
        foreach (var range in text.Split('\n'))
        {
            var line = text[range].TrimEnd('\r');
            if (line.IsEmpty || line[0] == '#' || !TrySplit(line, out var name, out var value))
            {
                continue;
            }

            switch (name)
            {
                case "vllm:num_requests_running":
                    running += value;
                    seen = true;
                    break;
                case "vllm:num_requests_waiting":
                    waiting += value;
                    seen = true;
                    break;
                case "vllm:kv_cache_usage_perc" or "vllm:gpu_cache_usage_perc":
                    kv = Math.Max(kv, value);
                    break;
                case "vllm:prefix_cache_queries_total":
                    queries += value;
                    break;
                case "vllm:prefix_cache_hits_total":
                    hits += value;
                    break;
            }
        }

        return seen ? new ReplicaLoad(running, waiting, kv, queries, hits) : null;
    }

    /// <summary><c>name{labels} value [timestamp]</c>: the name and the value (label values may hold spaces and escaped quotes).</summary>
    private static bool TrySplit(ReadOnlySpan<char> line, out ReadOnlySpan<char> name, out double value)
    {
        value = 0;
        var nameEnd = line.IndexOfAny('{', ' ');
        name = nameEnd < 0 ? line : line[..nameEnd];
        if (nameEnd < 0)
        {
            return false;
        }

        var rest = line[nameEnd..];
        if (rest[0] == '{')
        {
            var inQuotes = false;
            var close = -1;
            for (var i = 1; i < rest.Length && close < 0; i++)
            {
                switch (rest[i])
                {
                    case '\\' when inQuotes:
                        i++;
                        break;
                    case '"':
                        inQuotes = !inQuotes;
                        break;
                    case '}' when !inQuotes:
                        close = i;
                        break;
                }
            }

            if (close < 0)
            {
                return false;
            }

            rest = rest[(close + 1)..];
        }

        rest = rest.TrimStart(' ');
        var space = rest.IndexOf(' ');
        var number = space < 0 ? rest : rest[..space];
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}
