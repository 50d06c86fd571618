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
        Assert.Equal("Modal does not offer H100-PCIe. Modal GPUs: A100-40GB, A100-80GB, H100-80GB, H200-141GB, L40S-48GB, L4-24GB, A10G-24GB, B200-192GB.", error.Message);
    }
}
