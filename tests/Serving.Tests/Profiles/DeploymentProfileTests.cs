using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Serving.Tests.Profiles;

public sealed class DeploymentProfileTests
{
    private static readonly DeploymentPlanner Planner = new();

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var profile in DeploymentProfiles.All)
        {
            data.Add(profile.Name);
        }

        return data;
    }

    [Fact]
    public void TheSeedProfilesAllExist()
    {
        Assert.Equal(
            ["awq-int4-a100", "fp8-h100", "fp8-h100-guide", "bf16-tp2-a100", "bf16-tp2-a100-guide", "int8-a100", "awq-llama2-a100", "gptq-llama2-a100"],
            DeploymentProfiles.All.Select(p => p.Name));
        Assert.Equal("awq-int4-a100", DeploymentProfiles.Default.Name);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryProfileOtherThanARefusedGuideVariantStarts(string name)
    {
        var profile = DeploymentProfiles.Get(name);
        var plan = Planner.Plan(profile.ToPlanRequest());

        if (profile.Name == "fp8-h100-guide")
        {
            Assert.False(plan.Feasible);
            return;
        }

        Assert.True(plan.Feasible, string.Join("; ", plan.Reasons.Select(r => r.Message)));
        Assert.True(plan.MaxConcurrency >= 2, $"{name} holds only {plan.MaxConcurrency:0.00} full-length sequences");
        Assert.DoesNotContain(plan.Warnings, w => w.Code == "cuda-graph-headroom");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryProfileUsesItsModelsTemplateAndAKnownCorrection(string name)
    {
        var profile = DeploymentProfiles.Get(name);

        Assert.Equal(profile.Model.ChatTemplateId, profile.ChatTemplateId);
        Assert.True(profile.MaxModelLen <= profile.Model.MaxPositionEmbeddings);
        if (profile.GuideVariantOf is { } corrected)
        {
            Assert.Null(DeploymentProfiles.Get(corrected).GuideVariantOf);
            Assert.Contains(corrected, profile.Description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheAwqProfileUsesTheHuggingQuantsCheckpointAndNamesTheGuidesAsAnAlternative()
    {
        var profile = DeploymentProfiles.Get("AWQ-INT4-A100");

        Assert.Equal("hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4", profile.HuggingFaceRepo);
        Assert.Contains(profile.AlternativeRepos, r => r.StartsWith("casperhansen/", StringComparison.Ordinal));
        Assert.Equal(KernelSupport.WeightOnly, profile.Quantization.SupportOn(profile.Gpu));
    }

    [Fact]
    public void Llama2ProfilesServeTheLlama2CheckpointsWithTheLlama2Template()
    {
        Assert.Equal("TheBloke/Llama-2-70B-Chat-AWQ", DeploymentProfiles.Get("awq-llama2-a100").HuggingFaceRepo);
        Assert.Equal("TheBloke/Llama-2-70B-Chat-GPTQ", DeploymentProfiles.Get("gptq-llama2-a100").HuggingFaceRepo);
        Assert.All(
            DeploymentProfiles.All.Where(p => p.Model == ModelCatalog.Llama2Chat70B),
            p => Assert.Equal("llama-2-chat", p.ChatTemplateId));
    }

    [Fact]
    public void AnUnknownProfileNamesTheValidOnes()
    {
        var error = Assert.Throws<CatalogueException>(() => DeploymentProfiles.Get("fp4-h100"));
        Assert.Equal(
            "Unknown profile 'fp4-h100'. Valid values: awq-int4-a100, fp8-h100, fp8-h100-guide, bf16-tp2-a100, bf16-tp2-a100-guide, int8-a100, awq-llama2-a100, gptq-llama2-a100.",
            error.Message);
    }
}
