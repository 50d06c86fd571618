using Aspire70B.Cli.Commands;
using System.Text.Json;

namespace Aspire70B.Cli.Tests;

/// <summary><c>deploy modal</c> with a fake Modal CLI (a script standing where the real one would be).</summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DeployCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("aspire70b-deploy-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Golden(string profile)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Aspire70B.sln")))
        {
            dir = dir.Parent;
        }

        return File.ReadAllText(Path.Combine(dir.FullName, "tests", "Serving.Tests", "Data", "modal", profile + ".json"));
    }

    private string FakeModal(string body)
    {
        var path = Path.Combine(_folder.FullName, "modal");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public void ADryRunWritesTheProfilesSpecAndPrintsTheCommand()
    {
        var spec = Path.Combine(_folder.FullName, "profile.json");

        var result = CliRunner.Run("deploy", "modal", "--profile", "fp8-h100", "--dry-run", "--spec", spec);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Golden("fp8-h100"), File.ReadAllText(spec));
        Assert.Contains($"ASPIRE70B_MODAL_SPEC={spec} modal deploy ", result.Out, StringComparison.Ordinal);
        Assert.Contains("H100, vLLM 0.11.0, app aspire70b-fp8-h100.", result.Out, StringComparison.Ordinal);
        var serve = result.Out.Split('\n').Single(line => line.StartsWith("  vLLM in the container: ", StringComparison.Ordinal));
        Assert.Equal("  vLLM in the container: " + Serving.Vllm.VllmLaunch.ToShellCommand(Serving.Vllm.ModalDeploymentSpec.For(Serving.Profiles.DeploymentProfiles.Get("fp8-h100")).VllmCommand), serve);
        Assert.StartsWith("  vLLM in the container: vllm serve ", serve, StringComparison.Ordinal);
        Assert.Contains(" --port 8000", serve, StringComparison.Ordinal);
        Assert.Contains(
            "\nScaling: 0–1 container of H100 (min_containers 0, max_containers 1), 16 concurrent requests per container (the plan's max_num_seqs); an idle container stops after 900 s (scaledown_window).\n" +
            "Cost ceiling: $3.95/h with all 1 container busy ($3.95/h per container GPU, Modal list price, 2025); $0.00/h when idle (scales to zero).\n",
            result.Out,
            StringComparison.Ordinal);
    }

    [Fact]
    public void OutsideARepositoryTheAppPackedWithTheToolIsDeployedAndTheSpecKeptWithTheDeployments()
    {
        var tool = Directory.CreateDirectory(Path.Combine(_folder.FullName, "tool"));
        var files = ModelServerFiles.Locate(_folder.FullName, tool.FullName);

        Assert.False(files.InRepository);
        Assert.Equal(Path.Combine(tool.FullName, "ModelServer", "modal_app.py"), files.App);
        Assert.Equal(Path.Combine(_folder.FullName, "cfg", "modal-profile.json"), files.DefaultSpecPath(Path.Combine(_folder.FullName, "cfg", "modal-deployments.json")));
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "ModelServer", "modal_app.py")), "the tool's output carries the Modal app");
    }

    [Fact]
    public void DeployRunsModalWithTheSpecAndStoresTheEndpoint()
    {
        var spec = Path.Combine(_folder.FullName, "profile.json");
        var seen = Path.Combine(_folder.FullName, "seen.txt");
        var modal = FakeModal($"echo \"$1 $2 $ASPIRE70B_MODAL_SPEC\" > {seen}\necho 'Created web function serve => https://acme--aspire70b-awq-int4-a100-serve.modal.run'");

        var result = CliRunner.Run("deploy", "modal", "--profile", "awq-int4-a100", "--spec", spec, "--modal", modal, "--config-dir", _folder.FullName);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.EndsWith($"ModelServer/modal_app.py {spec}\n", File.ReadAllText(seen), StringComparison.Ordinal);
        Assert.StartsWith("deploy ", File.ReadAllText(seen), StringComparison.Ordinal);
        using var stored = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder.FullName, "modal-deployments.json")));
        Assert.Equal("https://acme--aspire70b-awq-int4-a100-serve.modal.run", stored.RootElement.GetProperty("awq-int4-a100").GetString());
        Assert.Contains("Deployed awq-int4-a100 at https://acme--aspire70b-awq-int4-a100-serve.modal.run", result.Out, StringComparison.Ordinal);
        Assert.EndsWith(
            "Or use it as the overflow tier of local replicas: dotnet run --project AppHost -- --replicas 2 --overflow modal --profile awq-int4-a100\n",
            result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSpecScalesModalToTheProfilesBoundsWithThePlansSequencesPerContainer()
    {
        var spec = Path.Combine(_folder.FullName, "profile.json");

        var result = CliRunner.Run("deploy", "modal", "--profile", "awq-int4-a100", "--spec", spec, "--dry-run", "--config-dir", _folder.FullName);

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(spec));
        // What Modal needs to scale the overflow tier: 0 containers when idle, at most the profile's, each taking the
        // plan's max_num_seqs at once (the capacity the AppHost gives the gateway as MaxSequences).
        Assert.Equal((0, 1, 32), (json.RootElement.GetProperty("min_containers").GetInt32(), json.RootElement.GetProperty("max_containers").GetInt32(),
            json.RootElement.GetProperty("max_concurrent_inputs").GetInt32()));
        Assert.Contains("Scaling: 0–1 container of A100-80GB (min_containers 0, max_containers 1), 32 concurrent requests per container (the plan's max_num_seqs)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailedDeployExitsWithOne()
    {
        var result = CliRunner.Run("deploy", "modal", "--spec", Path.Combine(_folder.FullName, "p.json"), "--modal", FakeModal("echo 'auth error' >&2\nexit 3"), "--config-dir", _folder.FullName);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("modal deploy failed with exit code 3.", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder.FullName, "modal-deployments.json")));
    }

    [Fact]
    public void WithoutTheModalCliTheInstallStepIsNamed()
    {
        var result = CliRunner.Run("deploy", "modal", "--spec", Path.Combine(_folder.FullName, "p.json"), "--modal", Path.Combine(_folder.FullName, "absent"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pip install -r ModelServer/requirements.txt", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInfeasibleProfileIsRefusedBeforeAnythingIsWritten()
    {
        var spec = Path.Combine(_folder.FullName, "p.json");

        var result = CliRunner.Run("deploy", "modal", "--profile", "fp8-h100-guide", "--dry-run", "--spec", spec);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("No available memory for the cache blocks", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(spec));
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
}
