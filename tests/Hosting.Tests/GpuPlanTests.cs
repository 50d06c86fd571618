using Aspire70B.Hosting.Vllm;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Hosting.Tests;

public sealed class GpuPlanTests
{
    [Fact]
    public void NvidiaSmiCsvIsReadAsNameAndMemory()
    {
        var gpus = GpuInventory.Parse("NVIDIA A100-SXM4-80GB, 81920 MiB\nNVIDIA H100 80GB HBM3, 81559 MiB\n\ngarbage\n");

        Assert.Equal([new DetectedGpu("NVIDIA A100-SXM4-80GB", 81920), new DetectedGpu("NVIDIA H100 80GB HBM3", 81559)], gpus);
        Assert.Equal(["--query-gpu=name,memory.total", "--format=csv,noheader"], GpuInventory.NvidiaSmiArguments);
    }

    [Fact]
    public void AKnownCardIsPlannedWithTheCataloguesSpec()
    {
        var (plan, refusals) = LocalGpuPlan.Check(DeploymentProfiles.AwqInt4A100, [new DetectedGpu("NVIDIA A100-SXM4-80GB", 81920)]);

        Assert.Empty(refusals);
        Assert.NotNull(plan);
        Assert.True(plan.Feasible);
        Assert.Equal("A100-80GB", plan.Request.Gpu.Id);
    }

    [Fact]
    public void TheProfileIsPlannedOnTheCardFoundHereAndRefusedWithReasonsWhenItDoesNotFit()
    {
        var (plan, refusals) = LocalGpuPlan.Check(DeploymentProfiles.AwqInt4A100, [new DetectedGpu("NVIDIA A100-SXM4-40GB", 40960)]);

        Assert.Empty(refusals);
        Assert.NotNull(plan);
        Assert.False(plan.Feasible);
        Assert.Equal("A100-40GB", plan.Request.Gpu.Id);
        Assert.NotEmpty(plan.Reasons);
    }

    [Fact]
    public void AnUnknownCardIsPlannedByTheMemoryItReports()
    {
        Assert.Equal("custom-96GiB", LocalGpuPlan.SpecFor(new DetectedGpu("NVIDIA Future GPU", 98304)).Id);
    }

    [Fact]
    public void TooFewGpusOrNoneAreRefusedBeforePlanning()
    {
        var (none, noneReasons) = LocalGpuPlan.Check(DeploymentProfiles.AwqInt4A100, []);
        var (few, fewReasons) = LocalGpuPlan.Check(DeploymentProfiles.Bf16Tp2A100, [new DetectedGpu("NVIDIA A100-SXM4-80GB", 81920)]);

        Assert.Null(none);
        Assert.Equal("No NVIDIA GPU found (nvidia-smi is missing or reports none). Use --backend simulator, or --backend external --model-endpoint URL.", Assert.Single(noneReasons));
        Assert.Null(few);
        Assert.Equal("Profile bf16-tp2-a100 needs 2 GPUs (tensor parallelism); this machine has 1 (NVIDIA A100-SXM4-80GB).", Assert.Single(fewReasons));
    }

    [Fact]
    public void ReplicasTakeTheGpusInOrderInSetsOfTheTensorParallelSizeEachPlannedOnItsOwnCards()
    {
        var gpus = new[]
        {
            new DetectedGpu("NVIDIA A100-SXM4-80GB", 81920), new DetectedGpu("NVIDIA A100-SXM4-80GB", 81920),
            new DetectedGpu("NVIDIA H100 80GB HBM3", 81559), new DetectedGpu("NVIDIA H100 80GB HBM3", 81559),
        };

        var two = LocalGpuPlan.CheckReplicas(DeploymentProfiles.Bf16Tp2A100, gpus, 2);
        var four = LocalGpuPlan.CheckReplicas(DeploymentProfiles.AwqInt4A100, gpus, 4);

        Assert.Equal((null, 0), (two.UsageError, two.Refusals.Count));
        Assert.Equal(["0,1", "2,3"], two.Replicas.Select(r => string.Join(',', r.Devices)));
        Assert.Equal(["A100-80GB", "H100-80GB"], two.Replicas.Select(r => r.Plan.Request.Gpu.Id));
        Assert.All(two.Replicas, r => Assert.Equal(2, r.Plan.Request.GpuCount));
        Assert.Equal(["0", "1", "2", "3"], four.Replicas.Select(r => string.Join(',', r.Devices)));
    }

    [Fact]
    public void GpusForFewerReplicasThanAskedIsAUsageErrorAndTooFewForOneIsTheUsualRefusal()
    {
        var a100 = new DetectedGpu("NVIDIA A100-SXM4-80GB", 81920);

        var tooFewForTwo = LocalGpuPlan.CheckReplicas(DeploymentProfiles.Bf16Tp2A100, [a100, a100, a100], 2);
        var tooFewForOne = LocalGpuPlan.CheckReplicas(DeploymentProfiles.Bf16Tp2A100, [a100], 2);

        Assert.Empty(tooFewForTwo.Replicas);
        Assert.Equal("--replicas 2 needs 4 GPUs (2 per replica of bf16-tp2-a100); this machine has 3, enough for 1.", tooFewForTwo.UsageError);
        Assert.Null(tooFewForOne.UsageError);
        Assert.Equal("Profile bf16-tp2-a100 needs 2 GPUs (tensor parallelism); this machine has 1 (NVIDIA A100-SXM4-80GB).", Assert.Single(tooFewForOne.Refusals));
    }
}
