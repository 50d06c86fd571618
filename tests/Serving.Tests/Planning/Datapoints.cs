using System.Text.Json;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;

namespace Aspire70B.Serving.Tests.Planning;

/// <summary>The published vLLM start-ups of <c>Data/vllm-memory-datapoints.json</c> (copied from shared/reference).</summary>
public sealed record Datapoint(
    string Id,
    string Model,
    string Quantization,
    string Gpu,
    double GpuTotalGiB,
    int TensorParallel,
    double GpuMemoryUtilization,
    int MaxModelLen,
    string Source,
    double? WeightsGiBPerGpu,
    double? ActivationPeakGiB,
    double? PeakTorchGiB,
    double? NonTorchGiB,
    double KvCacheGiB,
    long? GpuBlocks,
    double? MaxConcurrency,
    string? Outcome)
{
    public bool StartsUp => Outcome is null;

    /// <summary>
    /// The V0-engine points (vLLM 0.6) ran without chunked prefill, where the scheduler batches a whole prompt of
    /// max_model_len tokens per step: the profiling run covers max_model_len tokens.
    /// </summary>
    public bool IsV0 => Source.Contains("V0", StringComparison.Ordinal) || Id.Contains("rtx3090", StringComparison.Ordinal);

    public PlanRequest ToRequest() => new()
    {
        Model = Model.Contains("8B", StringComparison.Ordinal) ? ModelCatalog.Llama31Instruct8B : ModelCatalog.Llama31Instruct70B,
        Quantization = QuantizationCatalog.Get(Quantization),
        Gpu = Gpu.StartsWith("H100", StringComparison.Ordinal) ? GpuCatalog.Get("H100-80GB") : GpuCatalog.Get("RTX-3090-24GB"),
        GpuCount = TensorParallel,
        GpuMemoryUtilization = GpuMemoryUtilization,
        MaxModelLen = MaxModelLen,
        MaxNumBatchedTokens = IsV0 ? MaxModelLen : null,
    };

    public override string ToString() => Id;

    public static IReadOnlyList<Datapoint> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "vllm-memory-datapoints.json")));
        var points = new List<Datapoint>();
        foreach (var p in document.RootElement.GetProperty("points").EnumerateArray())
        {
            var logged = p.GetProperty("logged");
            points.Add(new Datapoint(
                p.GetProperty("id").GetString()!,
                p.GetProperty("model").GetString()!,
                p.GetProperty("quantization").GetString()!,
                p.GetProperty("gpu").GetString()!,
                p.GetProperty("gpuTotalGiB").GetDouble(),
                p.GetProperty("tensorParallel").GetInt32(),
                p.GetProperty("gpuMemoryUtilization").GetDouble(),
                p.GetProperty("maxModelLen").GetInt32(),
                p.GetProperty("source").GetString()!,
                Number(logged, "weightsGiBPerGpu"),
                Number(logged, "activationPeakGiB"),
                Number(logged, "peakTorchGiB"),
                Number(logged, "nonTorchGiB"),
                logged.GetProperty("kvCacheGiB").GetDouble(),
                logged.TryGetProperty("gpuBlocks", out var blocks) ? blocks.GetInt64() : null,
                Number(logged, "maxConcurrency"),
                logged.TryGetProperty("outcome", out var outcome) ? outcome.GetString() : null));
        }

        return points;
    }

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var point in Load())
        {
            data.Add(point.Id);
        }

        return data;
    }

    public static Datapoint Get(string id) => Load().Single(p => p.Id == id);

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetDouble() : null;
}
