using Aspire70B.Serving.Vllm;

namespace Aspire70B.Serving.Tests.Vllm;

/// <summary>Where Modal endpoints are remembered.</summary>
public sealed class ModalDeploymentsTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("aspire70b-modal-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void SavedEndpointsAreFoundByProfileAndReplacedOnRedeploy()
    {
        var deployments = ModalDeployments.Open(_folder.FullName);
        Assert.Null(deployments.Find("awq-int4-a100"));

        deployments.Save("awq-int4-a100", new Uri("https://acme--a.modal.run/"));
        deployments.Save("fp8-h100", new Uri("https://acme--b.modal.run"));
        deployments.Save("awq-int4-a100", new Uri("https://acme--c.modal.run"));

        Assert.Equal(new Uri("https://acme--c.modal.run"), deployments.Find("awq-int4-a100"));
        Assert.Equal(new Uri("https://acme--b.modal.run"), ModalDeployments.Open(_folder.FullName).Find("fp8-h100"));
        Assert.Equal(
            "{\n  \"awq-int4-a100\": \"https://acme--c.modal.run\",\n  \"fp8-h100\": \"https://acme--b.modal.run\"\n}\n",
            File.ReadAllText(Path.Combine(_folder.FullName, "modal-deployments.json")));
    }

    [Fact]
    public void AFileThatIsNotAnObjectOfUrlsSaysWhichFileToFix()
    {
        var path = Path.Combine(_folder.FullName, "modal-deployments.json");
        File.WriteAllText(path, "[1, 2");

        var error = Assert.Throws<InvalidOperationException>(() => ModalDeployments.Open(_folder.FullName).Find("awq-int4-a100"));

        Assert.StartsWith($"{path} is not a JSON object of profile → URL (", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("); fix or delete it.", error.Message, StringComparison.Ordinal);
    }
}
