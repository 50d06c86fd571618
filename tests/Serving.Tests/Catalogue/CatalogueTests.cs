using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;

namespace Aspire70B.Serving.Tests.Catalogue;

public sealed class CatalogueTests
{
    [Theory]
    [InlineData("llama-3.1-70b-instruct", 70_553_706_496L)]
    [InlineData("llama-3.1-8b-instruct", 8_030_261_248L)]
    [InlineData("llama-2-70b-chat", 68_976_648_192L)]
    public void ParameterCountsMatchTheModelCards(string id, long parameters)
    {
        Assert.Equal(parameters, ModelCatalog.Get(id).TotalParameters);
    }

    [Fact]
    public void PredictedWeightsMatchTheReferenceArithmetic()
    {
        // vllm-memory.md: "predicted this way the 70B is 37.04 GiB (AWQ) and 67.67 GiB (FP8)" before the rotary cache and scales.
        var model = ModelCatalog.Llama31Instruct70B;
        var awq = WeightMemory.Estimate(model, WeightScheme.Int4Group128, 1);
        var fp8 = WeightMemory.Estimate(model, WeightScheme.Int8PerChannel, 1);
        var rotary = 131072.0 * 128 * 2;

        Assert.Equal(37.04, (awq.TotalBytes - rotary) / Units.GiB, 2);
        Assert.Equal(37.09, awq.TotalBytes / Units.GiB, 1);
        Assert.Equal(67.72, fp8.TotalBytes / Units.GiB, 2);
    }

    [Theory]
    [InlineData("bf16", "A100-80GB", KernelSupport.Native)]
    [InlineData("fp8", "A100-80GB", KernelSupport.WeightOnly)]
    [InlineData("fp8", "L40S-48GB", KernelSupport.Native)]
    [InlineData("fp8", "H100-80GB", KernelSupport.Native)]
    [InlineData("fp8-online", "A10G-24GB", KernelSupport.WeightOnly)]
    [InlineData("int8", "A100-80GB", KernelSupport.Native)]
    [InlineData("awq-int4", "H100-80GB", KernelSupport.WeightOnly)]
    [InlineData("gptq-int4", "L4-24GB", KernelSupport.WeightOnly)]
    [InlineData("fp8", "B200-192GB", KernelSupport.Native)]
    public void QuantizationSupportFollowsComputeCapability(string quantization, string gpu, KernelSupport support)
    {
        Assert.Equal(support, QuantizationCatalog.Get(quantization).SupportOn(GpuCatalog.Get(gpu)));
    }

    [Fact]
    public void AGpuOlderThanAmpereRunsNoneOfTheInt4OrFp8Kernels()
    {
        var turing = new GpuSpec("T4", "Tesla T4", 14.58, 0.32, new ComputeCapability(7, 5), "T4");

        Assert.Equal(KernelSupport.Unsupported, QuantizationCatalog.AwqInt4.SupportOn(turing));
        Assert.Equal(KernelSupport.Unsupported, QuantizationCatalog.Fp8.SupportOn(turing));
        Assert.Equal(KernelSupport.Unsupported, QuantizationCatalog.Bf16.SupportOn(turing));
        Assert.Equal(KernelSupport.Native, QuantizationCatalog.Int8W8A8.SupportOn(turing));
        var plan = new DeploymentPlanner().Plan(new PlanRequest
        {
            Model = ModelCatalog.Llama31Instruct8B, Quantization = QuantizationCatalog.AwqInt4, Gpu = turing, MaxModelLen = 4096,
        });
        Assert.Contains(plan.Reasons, r => r.Code == "quantization-unsupported");
    }

    [Fact]
    public void TheCatalogueHasEveryGpuTheIssueNames()
    {
        Assert.Equal(
            ["A100-40GB", "A100-80GB", "A100-80GB-PCIe", "H100-80GB", "H100-PCIe", "H100-NVL-94GB", "H200-141GB", "L40S-48GB", "L4-24GB", "A10G-24GB", "RTX-3090-24GB", "RTX-PRO-6000-96GB", "B200-192GB"],
            GpuCatalog.All.Select(g => g.Id));
        Assert.All(GpuCatalog.All, g => Assert.True(g.TotalMemoryGiB > 20 && g.MemoryBandwidthTBps > 0));
        Assert.Equal(139.80, GpuCatalog.Get("H200").TotalMemoryGiB);
        Assert.Equal(79.18, GpuCatalog.Get("h100-80gb").TotalMemoryGiB);
        Assert.Equal(new ComputeCapability(8, 0), GpuCatalog.Get("A100-80GB-PCIe").ComputeCapability);
    }

    [Fact]
    public void A100IsAmbiguousAndSaysWhichIdsExist()
    {
        var error = Assert.Throws<CatalogueException>(() => GpuCatalog.Get("A100"));
        Assert.StartsWith("Unknown GPU 'A100'. Valid values: A100-40GB, A100-80GB,", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VllmPicksSmallSchedulerDefaultsForA100sAndSmallCards()
    {
        Assert.Equal(new SchedulerLimits(2048, 256), SchedulerLimits.VllmDefaultsFor(GpuCatalog.Get("A100-80GB")));
        Assert.Equal(new SchedulerLimits(2048, 256), SchedulerLimits.VllmDefaultsFor(GpuCatalog.Get("L40S")));
        Assert.Equal(new SchedulerLimits(8192, 1024), SchedulerLimits.VllmDefaultsFor(GpuCatalog.Get("H100")));
        Assert.Equal(new SchedulerLimits(8192, 1024), SchedulerLimits.VllmDefaultsFor(GpuSpec.Custom(100)));
    }

    [Fact]
    public void ACustomGpuCarriesItsMemoryAndOptionalBandwidth()
    {
        var gpu = GpuSpec.Custom(100, 3.35);

        Assert.Equal("custom-100GiB", gpu.Id);
        Assert.Equal(100 * Units.GiB, gpu.TotalMemoryBytes);
        Assert.Equal(3.35, gpu.MemoryBandwidthTBps);
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuSpec.Custom(0));
    }

    [Fact]
    public void ConfigJsonDefaultsFollowHuggingFace()
    {
        var model = ModelCatalog.FromConfigJson(
            """{"model_type":"llama","hidden_size":2048,"intermediate_size":8192,"num_hidden_layers":16,"num_attention_heads":32,"vocab_size":128256}""",
            "tiny");

        Assert.Equal(32, model.NumKeyValueHeads);
        Assert.Equal(64, model.HeadDim);
        Assert.Equal(2048, model.MaxPositionEmbeddings);
        Assert.False(model.TieWordEmbeddings);
        Assert.Equal(0, model.TotalParameters - model.LinearParameters - model.EmbeddingParameters - model.LmHeadParameters - model.NormParameters);
    }

    [Theory]
    [InlineData("not json", "is not valid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("""{"model_type":"llama","hidden_size":4096}""", "lacks a positive integer 'num_attention_heads'")]
    [InlineData("""{"model_type":"bert"}""", "has model_type 'bert'")]
    public void ABadConfigSaysWhatIsWrong(string json, string message)
    {
        var error = Assert.Throws<CatalogueException>(() => ModelCatalog.FromConfigJson(json, "x"));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
