using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;

namespace Aspire70B.Serving.Tests.Planning;

/// <summary>Invariants of the planner over the whole catalogue.</summary>
public sealed class PlannerPropertyTests
{
    private static readonly DeploymentPlanner Planner = new();

    private static IEnumerable<PlanRequest> Grid(int[] gpuCounts, int?[] lengths)
    {
        foreach (var model in ModelCatalog.All)
        {
            foreach (var quantization in QuantizationCatalog.All)
            {
                foreach (var gpu in GpuCatalog.All)
                {
                    foreach (var count in gpuCounts)
                    {
                        foreach (var length in lengths)
                        {
                            yield return new PlanRequest
                            {
                                Model = model,
                                Quantization = quantization,
                                Gpu = gpu,
                                GpuCount = count,
                                MaxModelLen = length is { } l ? Math.Min(l, model.MaxPositionEmbeddings) : null,
                            };
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void MoreUtilizationNeverGivesFewerKvTokens()
    {
        foreach (var request in Grid([1, 2, 4], [8192]))
        {
            long previous = -1;
            for (var percent = 50; percent <= 100; percent++)
            {
                var tokens = Planner.Plan(request with { GpuMemoryUtilization = percent / 100d }).KvCacheTokens;
                Assert.True(tokens >= previous, $"{Describe(request)}: {tokens} tokens at {percent} % < {previous} at {percent - 1} %");
                previous = tokens;
            }
        }
    }

    [Fact]
    public void AnFp8KvCacheDoublesTheTokensWithinOneBlock()
    {
        var checkedPlans = 0;
        foreach (var request in Grid([1, 2, 4, 8], [8192]))
        {
            var auto = Planner.Plan(request);
            var fp8 = Planner.Plan(request with { KvCacheDtype = KvCacheDtype.Fp8 });
            Assert.Equal(auto.KvLayout.BytesPerToken, 2 * fp8.KvLayout.BytesPerToken);
            Assert.InRange(fp8.KvCacheBlocks, 2 * auto.KvCacheBlocks, 2 * auto.KvCacheBlocks + 1);
            checkedPlans += auto.KvCacheBlocks > 0 ? 1 : 0;
        }

        Assert.True(checkedPlans > 200, $"only {checkedPlans} plans had a KV cache to compare");
    }

    [Fact]
    public void TensorParallelTwoHalvesTheShardedWeightsPerGpu()
    {
        foreach (var model in ModelCatalog.All)
        {
            foreach (var quantization in QuantizationCatalog.All)
            {
                var one = WeightMemory.Estimate(model, quantization.Scheme, 1);
                var two = WeightMemory.Estimate(model, quantization.Scheme, 2);

                Assert.Equal(one.EmbeddingBytes / 2, two.EmbeddingBytes);
                Assert.Equal(one.LmHeadBytes / 2, two.LmHeadBytes);
                Assert.Equal(one.ReplicatedBytes, two.ReplicatedBytes);
                // Per-output-channel scales of row-parallel layers stay whole on each GPU: a few KiB per layer.
                Assert.InRange(two.LinearBytes, one.LinearBytes / 2, one.LinearBytes / 2 * 1.0005);
            }
        }
    }

    [Fact]
    public void EveryInfeasiblePlanCarriesAReasonAndSuggestionsThatMakeItFeasible()
    {
        var infeasible = 0;
        foreach (var request in Grid([1, 2, 3, 8], [null, 4096, 32768]))
        {
            foreach (var utilization in new[] { 0.5, 0.85, 0.95 })
            {
                var plan = Planner.Plan(request with { GpuMemoryUtilization = utilization });
                if (plan.Feasible)
                {
                    Assert.Empty(plan.Reasons);
                    Assert.Empty(plan.Suggestions);
                    continue;
                }

                infeasible++;
                Assert.NotEmpty(plan.Reasons);
                Assert.NotEmpty(plan.Suggestions);
                foreach (var suggestion in plan.Suggestions)
                {
                    var applied = Planner.Plan(suggestion.Request);
                    Assert.True(applied.Feasible, $"{Describe(plan.Request)}: '{suggestion.Description}' is not feasible");
                    Assert.Equal(suggestion.KvCacheTokens, applied.KvCacheTokens);
                    Assert.NotEmpty(suggestion.Arguments);
                }
            }
        }

        Assert.True(infeasible > 1000, $"only {infeasible} infeasible plans were exercised");
    }

    [Fact]
    public void KvTokensAreWholeBlocksAndConcurrencyIsBlocksPerSequence()
    {
        foreach (var request in Grid([1, 2], [4000, 8192]))
        {
            var plan = Planner.Plan(request);
            Assert.Equal(0, plan.KvCacheTokens % 16);
            Assert.Equal(plan.KvCacheBlocks / Math.Ceiling(plan.MaxModelLen / 16.0), plan.MaxConcurrency, 9);
            Assert.Equal(plan.Feasible, plan.Reasons.Count == 0);
        }
    }

    private static string Describe(PlanRequest r) =>
        $"{r.Model.Id}/{r.Quantization.Id}/{r.GpuCount}×{r.Gpu.Id}/len {r.MaxModelLen}/util {r.GpuMemoryUtilization}";
}
