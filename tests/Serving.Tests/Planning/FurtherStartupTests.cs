using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;

namespace Aspire70B.Serving.Tests.Planning;

/// <summary>
/// Published vLLM start-ups beyond the shared datapoints: the same source (llm-d-benchmark's empirical vLLM memory
/// results, vLLM 0.11, one H100 at 79.18 GiB, utilization 0.9) also logged Qwen3 models, whose decoders have Llama's
/// layout and a larger vocabulary. The planner was calibrated without them, so they test its model of the
/// profiling peak (sampler rows × vocabulary) out of sample.
/// </summary>
public sealed class FurtherStartupTests
{
    private static readonly DeploymentPlanner Planner = new();

    private static PlanRequest Qwen3(string config, int maxModelLen) => new()
    {
        Model = ModelCatalog.FromConfigFile(Path.Combine(AppContext.BaseDirectory, "Data", "configs", config)),
        Quantization = QuantizationCatalog.Bf16,
        Gpu = GpuCatalog.Get("H100-80GB"),
        MaxModelLen = maxModelLen,
    };

    [Theory]
    [InlineData("qwen3-0.6b.json", 16000, 1.12, 5.56, 64.45, true)]
    [InlineData("qwen3-0.6b.json", 32000, 1.12, 5.56, 64.45, true)]
    [InlineData("qwen3-32b.json", 16000, 61.03, 5.64, 4.45, true)]
    [InlineData("qwen3-32b.json", 32000, 61.03, 5.64, 4.45, false)]
    public void Qwen3StartupsMatchTheLog(string config, int maxModelLen, double weights, double activation, double kvCache, bool starts)
    {
        var plan = Planner.Plan(Qwen3(config, maxModelLen));

        Assert.InRange(plan.PerGpu.WeightsGiB, weights * 0.995, weights * 1.005);
        Assert.InRange(plan.PerGpu.ActivationGiB, activation - 0.05, activation + 0.05);
        Assert.InRange(plan.PerGpu.KvCacheGiB, kvCache - 0.1, kvCache + 0.1);
        Assert.Equal(starts, plan.Feasible);
        if (!starts)
        {
            Assert.Equal("kv-cache-below-max-model-len", Assert.Single(plan.Reasons).Code);
        }
    }
}
