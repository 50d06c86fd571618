using System.Text.Json;

namespace Aspire70B.Serving.Planning;

/// <summary>
/// Writes a plan as the JSON object that <c>plan --json</c>, <c>profiles --json</c> and the gateway's
/// <c>/v1/deployment</c> share. Field names are a contract: add fields, never rename them.
/// </summary>
public static class PlanJsonWriter
{
    /// <summary>Writes <paramref name="plan"/> as one JSON object.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="plan">The plan.</param>
    /// <param name="vllmArgs">The <c>vllm serve</c> argv that launches it.</param>
    public static void Write(Utf8JsonWriter writer, DeploymentPlan plan, IReadOnlyList<string> vllmArgs)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(vllmArgs);
        var r = plan.Request;
        writer.WriteStartObject();
        writer.WriteBoolean("feasible", plan.Feasible);
        WriteStrings(writer, "reasons", plan.Reasons.Select(f => f.Message));
        WriteStrings(writer, "reasonCodes", plan.Reasons.Select(f => f.Code));
        writer.WriteStartArray("suggestions");
        foreach (var suggestion in plan.Suggestions)
        {
            writer.WriteStartObject();
            writer.WriteString("description", suggestion.Description);
            WriteStrings(writer, "arguments", suggestion.Arguments);
            writer.WriteNumber("kvCacheTokens", suggestion.KvCacheTokens);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteStrings(writer, "warnings", plan.Warnings.Select(f => f.Message));
        writer.WriteString("model", r.Model.Id);
        writer.WriteString("quantization", r.Quantization.Id);
        writer.WriteString("gpu", r.Gpu.Id);
        writer.WriteNumber("tensorParallelSize", r.GpuCount);
        writer.WriteNumber("gpuMemoryUtilization", r.GpuMemoryUtilization);
        writer.WriteNumber("maxModelLen", plan.MaxModelLen);
        writer.WriteString("kvCacheDtype", r.KvCacheDtype == KvCacheDtype.Fp8 ? "fp8" : "auto");
        writer.WriteNumber("maxNumBatchedTokens", plan.Scheduler.MaxNumBatchedTokens);
        writer.WriteNumber("maxNumSeqs", plan.Scheduler.MaxNumSeqs);
        writer.WriteNumber("blockSize", plan.KvLayout.BlockSize);
        writer.WriteStartObject("perGpu");
        writer.WriteNumber("totalGiB", Round(plan.PerGpu.TotalGiB));
        writer.WriteNumber("budgetGiB", Round(plan.PerGpu.BudgetGiB));
        writer.WriteNumber("weightsGiB", Round(plan.PerGpu.WeightsGiB));
        writer.WriteNumber("activationGiB", Round(plan.PerGpu.ActivationGiB));
        writer.WriteNumber("nonTorchGiB", Round(plan.PerGpu.NonTorchGiB));
        writer.WriteNumber("kvCacheGiB", Round(plan.PerGpu.KvCacheGiB));
        writer.WriteEndObject();
        writer.WriteNumber("kvBytesPerToken", plan.KvLayout.BytesPerToken);
        writer.WriteNumber("kvCacheBlocks", plan.KvCacheBlocks);
        writer.WriteNumber("kvCacheTokens", plan.KvCacheTokens);
        writer.WriteNumber("maxConcurrency", Round(plan.MaxConcurrency));
        writer.WriteNumber("minimumGpuMemoryGiB", Round(plan.MinimumGpuMemoryGiB));
        WriteNullable(writer, "decodeTokensPerSecondCeiling", plan.DecodeTokensPerSecondCeiling);
        WriteNullable(writer, "decodeTokensPerSecondEstimate", plan.DecodeTokensPerSecondEstimate);
        writer.WriteNumber("decodeEfficiency", plan.DecodeEfficiency);
        WriteNullable(writer, "costPerHourUsd", plan.CostPerHourUsd);
        WriteNullable(writer, "costPerMillionOutputTokensUsd", plan.CostPerMillionOutputTokensUsd);
        if (plan.PriceSource is { } source)
        {
            writer.WriteString("priceSource", source);
        }
        else
        {
            writer.WriteNull("priceSource");
        }

        WriteStrings(writer, "vllmArgs", vllmArgs);
        writer.WriteString("vllmVersion", Vllm.VllmLaunch.PinnedVersion);
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, Round(number));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static double Round(double value) => Math.Round(value, 4, MidpointRounding.AwayFromZero);
}
