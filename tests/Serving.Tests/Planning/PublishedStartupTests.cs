using Aspire70B.Serving.Planning;

namespace Aspire70B.Serving.Tests.Planning;

/// <summary>The planner against every published vLLM start-up in the shared datapoints.</summary>
public sealed class PublishedStartupTests
{
    private static readonly DeploymentPlanner Planner = new();

    [Theory]
    [MemberData(nameof(Datapoint.Ids), MemberType = typeof(Datapoint))]
    public void GpuTotalMatchesTheLog(string id)
    {
        var point = Datapoint.Get(id);
        Assert.Equal(point.GpuTotalGiB, point.ToRequest().Gpu.TotalMemoryGiB, 2);
    }

    [Theory]
    [MemberData(nameof(Datapoint.Ids), MemberType = typeof(Datapoint))]
    public void WeightsAreWithinHalfAPercentOfTheLog(string id)
    {
        var point = Datapoint.Get(id);
        if (point.WeightsGiBPerGpu is not { } logged)
        {
            // The 29K point logs no weights; it is the same model and GPU as the 20K point, which does.
            Assert.Null(point.WeightsGiBPerGpu);
            return;
        }

        var plan = Planner.Plan(point.ToRequest());
        Assert.InRange(plan.PerGpu.WeightsGiB, logged * 0.995, logged * 1.005);
    }

    [Theory]
    [MemberData(nameof(Datapoint.Ids), MemberType = typeof(Datapoint))]
    public void OwnEstimatesGiveTheLoggedKvCacheWithinOneGiBAndTheSameVerdict(string id)
    {
        var point = Datapoint.Get(id);
        var plan = Planner.Plan(point.ToRequest());

        Assert.InRange(plan.PerGpu.KvCacheGiB, point.KvCacheGiB - 1, point.KvCacheGiB + 1);
        Assert.Equal(point.StartsUp, plan.Feasible);
    }

    [Theory]
    [MemberData(nameof(Datapoint.Ids), MemberType = typeof(Datapoint))]
    public void ActivationPeakIsWithinAQuarterGiBOfTheLog(string id)
    {
        var point = Datapoint.Get(id);
        var plan = Planner.Plan(point.ToRequest());
        // V0 logs the torch peak including weights; V1 logs the increase over them.
        var logged = point.ActivationPeakGiB ?? point.PeakTorchGiB - (point.WeightsGiBPerGpu ?? plan.PerGpu.WeightsGiB);
        Assert.NotNull(logged);
        Assert.InRange(plan.PerGpu.ActivationGiB, logged.Value - 0.25, logged.Value + 0.25);
    }

    [Theory]
    [MemberData(nameof(Datapoint.Ids), MemberType = typeof(Datapoint))]
    public void LoggedKvMemoryGivesBlocksConsistentWithTheLog(string id)
    {
        var point = Datapoint.Get(id);
        var plan = Planner.Plan(point.ToRequest() with { KvCacheMemoryGiB = point.KvCacheGiB > 0 ? point.KvCacheGiB : 0 });
        var blockBytes = plan.KvLayout.PageBytes * (double)plan.KvLayout.NumLayers;

        Assert.Equal(plan.KvCacheBlocks * 16, plan.KvCacheTokens);
        if (point.GpuBlocks is { } loggedBlocks)
        {
            // vLLM prints the KV memory rounded to 0.01 GiB: the logged blocks must lie in the range that rounding allows.
            var low = (long)Math.Floor((point.KvCacheGiB - 0.005) * Units.GiB / blockBytes);
            var high = (long)Math.Floor((point.KvCacheGiB + 0.005) * Units.GiB / blockBytes);
            Assert.InRange(loggedBlocks, low, high);
            Assert.InRange(plan.KvCacheBlocks, low, high);
        }
    }

    [Theory]
    [MemberData(nameof(Datapoint.Ids), MemberType = typeof(Datapoint))]
    public void BlockExactKvMemoryGivesExactlyTheLoggedBlocksTokensAndConcurrency(string id)
    {
        var point = Datapoint.Get(id);
        var probe = Planner.Plan(point.ToRequest());
        var blockBytes = probe.KvLayout.PageBytes * (double)probe.KvLayout.NumLayers;
        // The block count vLLM logged, or the one the logged GiB gives where it logged none.
        var blocks = point.GpuBlocks ?? (long)Math.Floor(Math.Max(0, point.KvCacheGiB) * Units.GiB / blockBytes);

        var plan = Planner.Plan(point.ToRequest() with { KvCacheMemoryGiB = blocks * blockBytes / Units.GiB });

        Assert.Equal(blocks, plan.KvCacheBlocks);
        Assert.Equal(blocks * 16, plan.KvCacheTokens);
        Assert.Equal(Math.Round(Math.Max(0, point.KvCacheGiB), 1), Math.Round(plan.PerGpu.KvCacheGiB, 1));
        if (point.MaxConcurrency is { } concurrency)
        {
            Assert.Equal(concurrency, Math.Round(plan.MaxConcurrency, 2));
        }

        Assert.Equal(point.StartsUp, plan.Feasible);
    }

    [Fact]
    public void TheRtx3090At29KRefusesBecause1478BlocksHoldFewerTokensThanMaxModelLen()
    {
        var point = Datapoint.Get("llama31-8b-bf16-rtx3090-29k");
        var blockBytes = 2.0 * 16 * 8 * 128 * 2 * 32;
        var plan = Planner.Plan(point.ToRequest() with { KvCacheMemoryGiB = 1478 * blockBytes / Units.GiB });

        Assert.Equal(23_648, plan.KvCacheTokens);
        var reason = Assert.Single(plan.Reasons);
        Assert.Equal("kv-cache-below-max-model-len", reason.Code);
        Assert.Contains("23,648 tokens", reason.Message, StringComparison.Ordinal);
        Assert.Contains("29,000", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fp8SeventyBOnOneH100RefusesWithNoMemoryForTheCacheBlocks()
    {
        var plan = Planner.Plan(Datapoint.Get("llama33-70b-fp8dyn-h100-tp1").ToRequest());

        Assert.False(plan.Feasible);
        Assert.Equal("no-kv-cache-memory", Assert.Single(plan.Reasons).Code);
        Assert.StartsWith("No available memory for the cache blocks", plan.Reasons[0].Message, StringComparison.Ordinal);
        Assert.Equal(-1.44, plan.PerGpu.KvCacheGiB, 0.1);
    }
}
