using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.Serving.Tests.Vllm;

public sealed class ModalDeploymentSpecTests
{
    public static TheoryData<string> Profiles()
    {
        var data = new TheoryData<string>();
        foreach (var profile in DeploymentProfiles.All)
        {
            data.Add(profile.Name);
        }

        return data;
    }

    /// <summary>The JSON handed to ModelServer/modal_app.py, byte for byte (the Python tests read the same files).</summary>
    [Theory]
    [MemberData(nameof(Profiles))]
    public void EveryProfilesModalSpecMatchesItsGoldenFile(string name)
    {
        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "modal", name + ".json"));

        Assert.Equal(golden, ModalDeploymentSpec.For(DeploymentProfiles.Get(name)).ToJson());
    }

    [Fact]
    public void TheSpecRunsTheSameVllmCommandAsAGpuBoxButListensInsideTheContainer()
    {
        var profile = DeploymentProfiles.Fp8H100;
        var spec = ModalDeploymentSpec.For(profile);
        var local = VllmLaunch.ServeArguments(profile);

        Assert.Equal(local.Take(local.Count - 4), spec.VllmCommand.Take(spec.VllmCommand.Count - 4));
        Assert.Equal(["--host", "0.0.0.0", "--port", "8000"], spec.VllmCommand.TakeLast(4));
        Assert.Equal("H100", spec.Gpu);
        Assert.Equal(16, spec.MaxConcurrentInputs);
    }

    [Fact]
    public void TensorParallelProfilesAskModalForSeveralGpus()
    {
        Assert.Equal("A100-80GB:2", ModalDeploymentSpec.For(DeploymentProfiles.Bf16Tp2A100).Gpu);
    }

    [Fact]
    public void TheStartupTimeoutGrowsWithTheWeights()
    {
        var awq = ModalDeploymentSpec.For(DeploymentProfiles.AwqInt4A100).StartupTimeout;
        var bf16 = ModalDeploymentSpec.For(DeploymentProfiles.Bf16Tp2A100).StartupTimeout;

        Assert.Equal(TimeSpan.FromSeconds(600 + 380), awq);
        Assert.True(bf16 > awq);
    }

    [Fact]
    public void AGpuModalDoesNotOfferIsRefusedWithTheOnesItDoes()
    {
        var profile = DeploymentProfiles.AwqInt4A100 with { Gpu = GpuCatalog.Get("H100-PCIe") };

        var error = Assert.Throws<CatalogueException>(() => ModalDeploymentSpec.For(profile));
        Assert.Equal("Modal does not offer H100-PCIe. Modal GPUs: A100-40GB, A100-80GB, H100-80GB, H200-141GB, L40S-48GB, L4-24GB, A10G-24GB, RTX-PRO-6000-96GB, B200-192GB.", error.Message);
    }

    [Fact]
    public void ScalingIsBoundedByDefaultToOneContainerThatScalesToZero()
    {
        var spec = ModalDeploymentSpec.For(DeploymentProfiles.AwqInt4A100);

        Assert.Equal(0, spec.MinContainers);
        Assert.Equal(1, spec.MaxContainers);
        Assert.Equal(TimeSpan.FromMinutes(15), spec.ScaledownWindow);
        Assert.Equal(32, spec.MaxConcurrentInputs);
    }

    [Fact]
    public void MaxContainersIsAProfileSettingTheOptionsMayOverride()
    {
        var profile = DeploymentProfiles.Fp8H100 with { ModalMaxContainers = 3 };

        Assert.Equal(3, ModalDeploymentSpec.For(profile).MaxContainers);
        Assert.Equal(2, ModalDeploymentSpec.For(profile, ModalDeploymentOptions.Default with { MaxContainers = 2, MinContainers = 1 }).MaxContainers);
    }

    [Theory]
    [InlineData(2, 1, "Modal needs 0 ≤ min_containers ≤ max_containers and max_containers ≥ 1; got min_containers 2, max_containers 1.")]
    [InlineData(0, 0, "Modal needs 0 ≤ min_containers ≤ max_containers and max_containers ≥ 1; got min_containers 0, max_containers 0.")]
    [InlineData(-1, 1, "Modal needs 0 ≤ min_containers ≤ max_containers and max_containers ≥ 1; got min_containers -1, max_containers 1.")]
    public void ContainerBoundsModalWouldRefuseAreRefused(int min, int max, string message)
    {
        var options = ModalDeploymentOptions.Default with { MinContainers = min, MaxContainers = max };

        Assert.Equal(message, Assert.Throws<CatalogueException>(() => ModalDeploymentSpec.For(DeploymentProfiles.Fp8H100, options)).Message);
    }

    [Fact]
    public void TheScalingLinesStateTheBoundsAndTheCostCeilingTheyImply()
    {
        var spec = ModalDeploymentSpec.For(DeploymentProfiles.Fp8H100);

        Assert.Equal(
            [
                "Scaling: 0–1 container of H100 (min_containers 0, max_containers 1), 16 concurrent requests per container (the plan's max_num_seqs); an idle container stops after 900 s (scaledown_window).",
                "Cost ceiling: $3.95/h with all 1 container busy ($3.95/h per container GPU, Modal list price, 2025); $0.00/h when idle (scales to zero).",
            ],
            spec.ScalingLines(GpuPriceTable.ModalDefaults));
    }

    [Fact]
    public void TheCostCeilingCountsEveryGpuOfEveryContainerAndTheFloorOfWarmOnes()
    {
        var options = ModalDeploymentOptions.Default with { MinContainers = 1, MaxContainers = 3 };
        var spec = ModalDeploymentSpec.For(DeploymentProfiles.Bf16Tp2A100, options);

        Assert.Equal(2.50 * 2 * 3, spec.CostCeilingUsdPerHour(GpuPriceTable.ModalDefaults)!.Value, 9);
        Assert.Equal(
            "Cost ceiling: $15.00/h with all 3 containers busy (2 × $2.50/h per container GPU, Modal list price, 2025); $5.00/h even when idle (min_containers 1).",
            spec.ScalingLines(GpuPriceTable.ModalDefaults)[1]);
        Assert.StartsWith("Scaling: 1–3 containers of A100-80GB:2 (min_containers 1, max_containers 3), ", spec.ScalingLines(GpuPriceTable.ModalDefaults)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void ACardWithoutAPriceSaysSoInsteadOfACeiling()
    {
        var spec = ModalDeploymentSpec.For(DeploymentProfiles.Fp8H100 with { Gpu = GpuCatalog.Get("RTX-PRO-6000") });

        Assert.Null(spec.CostCeilingUsdPerHour(GpuPriceTable.ModalDefaults));
        Assert.Equal("Cost ceiling: unknown (no price for RTX-PRO-6000-96GB in the price table).", spec.ScalingLines(GpuPriceTable.ModalDefaults)[1]);
    }

    [Theory]
    [InlineData("H100!", "H100!")]
    [InlineData("h100!", "H100!")]
    public void AnH100CanBeAskedForWithoutTheUpgradeToAnH200(string type, string gpu)
    {
        var spec = ModalDeploymentSpec.For(DeploymentProfiles.Fp8H100, ModalDeploymentOptions.Default with { GpuType = type });

        Assert.Equal(gpu, spec.Gpu);
        Assert.Contains("\"gpu\": \"H100!\"", spec.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void AB200CanAcceptAB300AndCountsFollowTheSuffix()
    {
        var profile = DeploymentProfiles.Fp8H100 with { Gpu = GpuCatalog.Get("B200"), GpuCount = 2 };

        Assert.Equal("B200+:2", ModalDeploymentSpec.For(profile, ModalDeploymentOptions.Default with { GpuType = "B200+" }).Gpu);
    }

    [Fact]
    public void AGpuTypeForAnotherCardIsRefused()
    {
        var error = Assert.Throws<CatalogueException>(() => ModalDeploymentSpec.For(DeploymentProfiles.Fp8H100, ModalDeploymentOptions.Default with { GpuType = "B200+" }));

        Assert.Equal("The GPU type B200+ is not the profile's H100-80GB (Modal type H100).", error.Message);
    }

    [Fact]
    public void TheRtxPro6000IsOfferedOnModal()
    {
        // Modal's GPU guide lists RTX-PRO-6000 among the gpu= values.
        Assert.Equal("RTX-PRO-6000", GpuCatalog.Get("RTX-PRO-6000-96GB").ModalGpuType);
        Assert.Equal("RTX-PRO-6000", ModalDeploymentSpec.For(DeploymentProfiles.Fp8H100 with { Gpu = GpuCatalog.Get("RTX-PRO-6000") }).Gpu);
    }
}
