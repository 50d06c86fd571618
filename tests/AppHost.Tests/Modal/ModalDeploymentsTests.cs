using Aspire70B.AppHost.Commands;
using Aspire70B.AppHost.Modal;
using Microsoft.Extensions.Configuration;

namespace Aspire70B.AppHost.Tests.Modal;

/// <summary>Where Modal endpoints are remembered, how the proxy-auth token is found, and how the URL is read from modal's output.</summary>
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

    [Theory]
    [InlineData("MODAL_KEY", "MODAL_SECRET")]
    [InlineData("Parameters:modal-key", "Parameters:modal-secret")]
    [InlineData("MODAL_KEY", "Parameters:modal-secret")]
    public void TheTokenComesFromTheEnvironmentOrAspiresParameterNames(string keyName, string secretName)
    {
        var (credentials, problem) = ModalCredentials.Resolve(Configuration((keyName, "wk-abc"), (secretName, "ws-def")));

        Assert.Null(problem);
        Assert.Equal(new ModalCredentials("wk-abc", "ws-def"), credentials);
        Assert.Equal("ModalCredentials { Key = ***, Secret = *** }", credentials!.ToString());
    }

    [Fact]
    public void TheEnvironmentWinsOverUserSecrets()
    {
        var (credentials, _) = ModalCredentials.Resolve(Configuration(
            ("Parameters:modal-key", "wk-secrets"), ("Parameters:modal-secret", "ws-secrets"), ("MODAL_KEY", "wk-env"), ("MODAL_SECRET", "ws-env")));

        Assert.Equal(new ModalCredentials("wk-env", "ws-env"), credentials);
    }

    [Fact]
    public void NoTokenOrHalfATokenIsAProblemThatSaysWhatToSet()
    {
        var (none, noneProblem) = ModalCredentials.Resolve(Configuration());
        var (half, halfProblem) = ModalCredentials.Resolve(Configuration(("MODAL_KEY", "wk-abc")));

        Assert.Null(none);
        Assert.Equal(
            "--backend modal needs a Modal proxy-auth token (create one at https://modal.com/settings/proxy-auth-tokens): set MODAL_KEY and "
            + "MODAL_SECRET, or 'dotnet user-secrets set Parameters:modal-key wk-… --project AppHost' and the same for Parameters:modal-secret.",
            noneProblem);
        Assert.Null(half);
        Assert.Equal(
            "Only half of the Modal proxy-auth token is set: give both the key (MODAL_KEY or Parameters:modal-key) and the secret "
            + "(MODAL_SECRET or Parameters:modal-secret).",
            halfProblem);
    }

    [Theory]
    [InlineData("└── 🔨 Created web function serve => https://acme--aspire70b-awq-int4-a100-serve.modal.run", "https://acme--aspire70b-awq-int4-a100-serve.modal.run/")]
    [InlineData("Created web function serve => https://llm.example.com (custom domain)", "https://llm.example.com/")]
    [InlineData("View Deployment: https://modal.com/apps/acme/main/deployed/aspire70b-fp8-h100", null)]
    [InlineData("see https://acme--aspire70b-fp8-h100-serve.modal.run for the endpoint", "https://acme--aspire70b-fp8-h100-serve.modal.run/")]
    [InlineData("✓ App deployed in 3.241s! 🎉", null)]
    public void TheEndpointIsReadFromModalsDeployOutput(string line, string? expected)
    {
        Assert.Equal(expected, DeployCommand.EndpointUrl(line)?.ToString());
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
