using Aspire70B.Serving.Catalogue;

namespace Aspire70B.Serving.Tests.Catalogue;

/// <summary>GPU strings as Modal takes them: the types of Modal's GPU guide, '!' and '+', counts (the client's parse_gpu_config).</summary>
public sealed class ModalGpuTests
{
    [Theory]
    [InlineData("H100", "H100", 1)]
    [InlineData("h100", "H100", 1)]
    [InlineData("H100!", "H100!", 1)]
    [InlineData("H100!:2", "H100!", 2)]
    [InlineData("B200+", "B200+", 1)]
    [InlineData("a100-80gb:8", "A100-80GB", 8)]
    [InlineData("RTX-PRO-6000", "RTX-PRO-6000", 1)]
    [InlineData("A10:4", "A10", 4)]
    public void ModalsGpuStringsAreRead(string value, string type, int count)
    {
        var gpu = ModalGpu.Parse(value);

        Assert.Equal(new ModalGpu(type, count), gpu);
    }

    [Theory]
    [InlineData("H100!:2", "H100")]
    [InlineData("B200+", "B200")]
    [InlineData("L40S", "L40S")]
    public void TheBaseTypeDropsTheSuffix(string value, string baseType) => Assert.Equal(baseType, ModalGpu.Parse(value).BaseType);

    [Theory]
    [InlineData("H100:2", "H100:2")]
    [InlineData("h100!", "H100!")]
    [InlineData("B200+:1", "B200+")]
    public void ItWritesTheStringModalTakes(string value, string written) => Assert.Equal(written, ModalGpu.Parse(value).ToString());

    [Theory]
    [InlineData("H100:two", "'H100:two' is not a Modal GPU string: the count after ':' must be an integer.")]
    [InlineData("h100 x2", "'h100 x2' is not a Modal GPU string: Modal's GPU types are T4, L4, A10, A10G, L40S, A100, A100-40GB, A100-80GB, RTX-PRO-6000, H100, H100!, H200, B200, B200+.")]
    [InlineData("A100!", "'A100!' is not a Modal GPU string: Modal's GPU types are T4, L4, A10, A10G, L40S, A100, A100-40GB, A100-80GB, RTX-PRO-6000, H100, H100!, H200, B200, B200+.")]
    [InlineData("H100:9", "'H100:9' is not a Modal GPU string: Modal attaches 1 to 8 H100 GPUs to a container.")]
    [InlineData("A10:5", "'A10:5' is not a Modal GPU string: Modal attaches 1 to 4 A10 GPUs to a container.")]
    [InlineData("H100:0", "'H100:0' is not a Modal GPU string: Modal attaches 1 to 8 H100 GPUs to a container.")]
    public void StringsModalWouldRefuseAreRefused(string value, string message) =>
        Assert.Equal(message, Assert.Throws<CatalogueException>(() => ModalGpu.Parse(value)).Message);

    [Fact]
    public void EveryCataloguedModalTypeIsOneModalTakes()
    {
        foreach (var gpu in GpuCatalog.All.Where(g => g.ModalGpuType is not null))
        {
            Assert.Equal(gpu.ModalGpuType, ModalGpu.Parse(gpu.ModalGpuType!).Type);
        }
    }
}
