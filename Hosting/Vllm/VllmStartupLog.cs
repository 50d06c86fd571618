using System.Globalization;
using System.Text.RegularExpressions;
using Aspire70B.Serving.Planning;

namespace Aspire70B.Hosting.Vllm;

/// <summary>
/// Follows vLLM's start-up log (V1 engine, as of v0.11) to say where a long start is — loading weights, profiling
/// memory, capturing CUDA graphs, starting the API server — and, once it is up, compares the figures vLLM logged
/// (weights per GPU, KV-cache memory and tokens) with the plan that was checked before it started. Lines it does not
/// know are ignored, so a reworded log costs a progress detail, never the start. Thread-safe (two output pumps).
/// </summary>
public sealed partial class VllmStartupLog(DeploymentPlan plan)
{
    /// <summary>Beyond this relative difference between logged and planned KV tokens, the ready line warns.</summary>
    public const double KvToleranceFraction = 0.05;

    private readonly Lock _gate = new();
    private string? _phase;
    private double? _weightsGiB;
    private double? _loadSeconds;
    private double? _kvGiB;
    private long? _kvTokens;

    public void Observe(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (_gate)
        {
            if (ModelLoading().Match(line) is { Success: true } loaded)
            {
                _weightsGiB = Number(loaded.Groups["gib"].Value);
                _loadSeconds = Number(loaded.Groups["seconds"].Value);
                _phase = "profiling memory";
            }
            else if (KvMemory().Match(line) is { Success: true } memory)
            {
                _kvGiB = Number(memory.Groups["gib"].Value);
                _phase = "allocating the KV cache";
            }
            else if (KvTokens().Match(line) is { Success: true } tokens)
            {
                _kvTokens = long.Parse(tokens.Groups["tokens"].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
                _phase = "capturing CUDA graphs";
            }
            else if (line.Contains("Starting to load model", StringComparison.Ordinal))
            {
                _phase = "loading weights";
            }
            else if (line.Contains("Starting vLLM API server", StringComparison.Ordinal))
            {
                _phase = "starting the API server";
            }
        }
    }

    public string? Describe()
    {
        lock (_gate)
        {
            if (_phase is null)
            {
                return null;
            }

            var facts = new List<string>();
            if (_weightsGiB is { } weights)
            {
                facts.Add(Invariant($"weights {weights:0.00} GiB per GPU loaded in {_loadSeconds:0} s"));
            }

            if (_kvTokens is { } tokens)
            {
                facts.Add(Invariant($"KV cache {tokens:N0} tokens"));
            }

            return facts.Count == 0 ? _phase : $"{_phase} ({string.Join(", ", facts)})";
        }
    }

    public string? ReadySummary()
    {
        lock (_gate)
        {
            if (_weightsGiB is null && _kvTokens is null)
            {
                return null;
            }

            var parts = new List<string>();
            if (_weightsGiB is { } weights)
            {
                parts.Add(Invariant($"weights {weights:0.00} GiB per GPU (plan {plan.PerGpu.WeightsGiB:0.00})"));
            }

            if (_kvGiB is { } kvGiB)
            {
                parts.Add(Invariant($"KV cache memory {kvGiB:0.00} GiB (plan {plan.PerGpu.KvCacheGiB:0.00})"));
            }

            if (_kvTokens is { } tokens)
            {
                parts.Add(Invariant($"KV cache {tokens:N0} tokens (plan {plan.KvCacheTokens:N0})"));
            }

            var summary = "vLLM logged " + string.Join(", ", parts) + ".";
            if (_kvTokens is { } logged && plan.KvCacheTokens > 0
                && Math.Abs(logged - plan.KvCacheTokens) > KvToleranceFraction * plan.KvCacheTokens)
            {
                summary += Invariant($" The KV cache differs from the plan by {(logged - plan.KvCacheTokens) / (double)plan.KvCacheTokens:+0%;-0%}:")
                    + " another process may hold GPU memory, or the GPU is not the one planned for.";
            }

            return summary;
        }
    }

    /// <summary>The figures vLLM logged next to the plan's, as resource properties (name, value); empty before it logs them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Figures()
    {
        lock (_gate)
        {
            var figures = new List<KeyValuePair<string, string>>();
            if (_weightsGiB is { } weights)
            {
                figures.Add(new("vllm.weights_gib_per_gpu", Invariant($"{weights:0.00} (plan {plan.PerGpu.WeightsGiB:0.00})")));
            }

            if (_kvGiB is { } kvGiB)
            {
                figures.Add(new("vllm.kv_cache_gib", Invariant($"{kvGiB:0.00} (plan {plan.PerGpu.KvCacheGiB:0.00})")));
            }

            if (_kvTokens is { } tokens)
            {
                figures.Add(new("vllm.kv_cache_tokens", Invariant($"{tokens:N0} (plan {plan.KvCacheTokens:N0})")));
            }

            return figures;
        }
    }

    /// <summary>Whether the KV cache vLLM logged is more than <see cref="KvToleranceFraction"/> off the plan.</summary>
    public bool KvCacheOffPlan
    {
        get
        {
            lock (_gate)
            {
                return _kvTokens is { } logged && plan.KvCacheTokens > 0
                    && Math.Abs(logged - plan.KvCacheTokens) > KvToleranceFraction * plan.KvCacheTokens;
            }
        }
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Model loading took (?<gib>[0-9.]+) GiB and (?<seconds>[0-9.]+) seconds")]
    private static partial Regex ModelLoading();

    [GeneratedRegex(@"Available KV cache memory: (?<gib>[0-9.]+) GiB")]
    private static partial Regex KvMemory();

    [GeneratedRegex(@"GPU KV cache size: (?<tokens>[0-9,]+) tokens")]
    private static partial Regex KvTokens();
}
