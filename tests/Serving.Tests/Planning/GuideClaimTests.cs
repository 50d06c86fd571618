using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Serving.Tests.Planning;

/// <summary>The original deployment guide's claims (shared/reference/vllm-memory.md), each checked by a verdict the planner prints.</summary>
public sealed class GuideClaimTests
{
    private static readonly DeploymentPlanner Planner = new();

    private static PlanRequest Request(string quantization, string gpu, int gpus = 1, double utilization = 0.9, int maxModelLen = 8192) => new()
    {
        Model = ModelCatalog.Llama31Instruct70B,
        Quantization = QuantizationCatalog.Get(quantization),
        Gpu = GpuCatalog.Get(gpu),
        GpuCount = gpus,
        GpuMemoryUtilization = utilization,
        MaxModelLen = maxModelLen,
    };

    [Fact]
    public void Int4AwqOnOneA100CannotReach60TokensPerSecond()
    {
        var plan = Planner.Plan(Request("awq-int4", "A100-80GB"));

        Assert.InRange(plan.DecodeTokensPerSecondCeiling!.Value, 53.5, 54.5);
        Assert.True(plan.DecodeTokensPerSecondEstimate < 60);
    }

    [Fact]
    public void Fp8OnOneH100AtUtilization085RefusesBecauseTheWeightsExceedTheBudget()
    {
        var plan = Planner.Plan(DeploymentProfiles.Fp8H100Guide.ToPlanRequest());

        Assert.False(plan.Feasible);
        var reason = Assert.Single(plan.Reasons);
        Assert.Equal("no-kv-cache-memory", reason.Code);
        Assert.Contains("the weights alone (67.72 GiB per GPU) exceed the budget of 67.30 GiB", reason.Message, StringComparison.Ordinal);
        Assert.InRange(plan.DecodeTokensPerSecondCeiling!.Value, 46.5, 48);
        Assert.True(plan.DecodeTokensPerSecondCeiling < 80);
    }

    [Fact]
    public void Fp16OverTwoA100sCannotReach50TokensPerSecond()
    {
        var plan = Planner.Plan(Request("fp16", "A100-80GB", gpus: 2));

        Assert.InRange(plan.DecodeTokensPerSecondCeiling!.Value, 28.5, 30);
    }

    [Fact]
    public void Bf16OverTwoA100sAt8KRefusesWithH100ClassSchedulerDefaults()
    {
        // The reference's verdict assumes the 4.8 GiB profiling peak of vLLM's H100 defaults (8192 tokens, 1024 sequences).
        var plan = Planner.Plan(Request("bf16", "A100-80GB", gpus: 2) with { MaxNumBatchedTokens = 8192, MaxNumSeqs = 1024 });

        Assert.False(plan.Feasible);
        Assert.True(plan.KvCacheTokens < 1024, $"{plan.KvCacheTokens} KV tokens");
        Assert.Equal("kv-cache-below-max-model-len", Assert.Single(plan.Reasons).Code);
    }

    [Fact]
    public void Bf16OverTwoA100sAt8KStartsWithTheSmallDefaultsVllmGivesA100s()
    {
        // vLLM (0.9 – 0.11) gives GPUs whose name contains "A100" 2048 batched tokens and 256 sequences, so the sampler's
        // profiling peak is a quarter as large and the guide's settings start, with a thin cache.
        var plan = Planner.Plan(DeploymentProfiles.Bf16Tp2A100Guide.ToPlanRequest());

        Assert.Equal(new SchedulerLimits(2048, 256), plan.Scheduler);
        Assert.True(plan.Feasible);
        Assert.InRange(plan.KvCacheTokens, 20_000, 30_000);
        Assert.InRange(plan.MaxConcurrency, 2, 4);
    }

    [Fact]
    public void ContextLengthDoesNotChangeWhatVllmReservesAndEach4KMoreCosts125GiBPerSequence()
    {
        var at4K = Planner.Plan(Request("awq-int4", "A100-80GB", maxModelLen: 4096));
        var at8K = Planner.Plan(Request("awq-int4", "A100-80GB", maxModelLen: 8192));

        Assert.Equal(at4K.PerGpu, at8K.PerGpu);
        Assert.Equal(at4K.KvCacheTokens, at8K.KvCacheTokens);
        Assert.Equal(1.25, 4096.0 * at4K.KvLayout.BytesPerToken / Units.GiB);
        Assert.Equal(71.24, at4K.PerGpu.BudgetGiB, 2);
    }

    [Fact]
    public void Int8With4KNeedsAbout73GiBNot90()
    {
        var plan = Planner.Plan(DeploymentProfiles.Int8A100.ToPlanRequest() with { MaxModelLen = 4096 });

        Assert.True(plan.Feasible);
        Assert.InRange(plan.MinimumGpuMemoryGiB, 71, 74);
    }

    [Theory]
    [InlineData("awq-int4", 111, 113)]
    [InlineData("fp8", 59, 61)]
    public void H200AtItsMeasured421TBpsGivesTheReferenceCeilings(string quantization, double low, double high)
    {
        var h200 = GpuSpec.Custom(139.80, 4.21);
        var plan = Planner.Plan(Request(quantization, "H200-141GB") with { Gpu = h200 });

        Assert.InRange(plan.DecodeTokensPerSecondCeiling!.Value, low, high);
    }

    [Fact]
    public void TheHundredGigabyteCardRunsFp8WithRoomForTheCache()
    {
        var plan = Planner.Plan(Request("fp8", "H100-80GB") with { Gpu = GpuSpec.Custom(100) });

        Assert.True(plan.Feasible);
        Assert.InRange(plan.PerGpu.KvCacheGiB, 15, 20);
        Assert.Null(plan.DecodeTokensPerSecondCeiling);
    }

    [Fact]
    public void OnlineFp8OfTheBf16CheckpointCannotLoadOnOneH100ButAPreQuantizedCheckpointCan()
    {
        var online = Planner.Plan(Request("fp8-online", "H100-80GB", utilization: 0.95) with { KvCacheDtype = KvCacheDtype.Fp8 });
        var preQuantized = Planner.Plan(Request("fp8", "H100-80GB", utilization: 0.95) with { KvCacheDtype = KvCacheDtype.Fp8 });

        Assert.Contains(online.Reasons, r => r.Code == "online-fp8-load-peak");
        Assert.Contains(online.Suggestions, s => s.Arguments.SequenceEqual(["--quantization", "fp8"]));
        Assert.True(preQuantized.Feasible);
    }
}
