using Microsoft.Extensions.Configuration;

namespace Aspire70B.AppHost.Tests;

/// <summary>What the AppHost refuses before anything starts, from its options as the command line gives them.</summary>
public sealed class StartupGateTests
{
    [Theory]
    [InlineData(new[] { "--backend", "external" }, "--backend external needs --model-endpoint URL.")]
    [InlineData(new[] { "--model-endpoint", "http://gpu-box:8000" }, "--model-endpoint goes with --backend external or modal.")]
    [InlineData(new[] { "--backend", "vllm", "--config-dir", "/tmp/x" }, "--config-dir goes with --backend modal or --overflow modal.")]
    [InlineData(new[] { "--replicas", "0" }, "--replicas must be between 1 and 16, got 0.")]
    [InlineData(new[] { "--replicas", "17" }, "--replicas must be between 1 and 16, got 17.")]
    [InlineData(new[] { "--backend", "external", "--model-endpoint", "http://gpu-box:8000", "--replicas", "2" },
        "--replicas goes with --backend simulator or vllm: Modal scales its own containers, and an external server is one endpoint.")]
    [InlineData(new[] { "--backend", "modal", "--overflow", "modal" }, "--overflow modal adds Modal beside local replicas; with --backend modal the model is on Modal already.")]
    [InlineData(new[] { "--backend", "external", "--model-endpoint", "ftp://gpu-box" }, "--model-endpoint must be an absolute http(s) URL, got 'ftp://gpu-box'.")]
    [InlineData(new[] { "--time-scale", "-1" }, "--time-scale must be 0 or more, got -1.")]
    [InlineData(new[] { "--vllm", "/opt/venv/bin/vllm" }, "--vllm goes with --backend vllm.")]
    [InlineData(new[] { "--port", "70000" }, "--port must be between 1 and 65535, got 70000.")]
    [InlineData(new[] { "--backend", "vllm", "--container", "true", "--vllm", "/opt/venv/bin/vllm" }, "--container and --vllm are two ways to run vLLM: give one.")]
    public async Task UsageErrorsExitWith2AndSayWhatIsWrong(string[] args, string message)
    {
        var (decision, error) = await CheckAsync(args);

        Assert.Equal(2, decision.ExitCode);
        Assert.Equal(message + "\n", error);
    }

    [Fact]
    public async Task AnUnknownProfileExitsWith2AndListsTheProfiles()
    {
        var (decision, error) = await CheckAsync("--profile", "nope");

        Assert.Equal(2, decision.ExitCode);
        Assert.StartsWith("Unknown profile 'nope'.", error, StringComparison.Ordinal);
        Assert.Contains("awq-int4-a100", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInfeasibleProfileIsRefusedWithThePlannersReasonsAndTheChangesThatWouldStartIt()
    {
        var (decision, error) = await CheckAsync("--profile", "fp8-h100-guide");
        var lines = error.Split('\n');

        Assert.Equal(1, decision.ExitCode);
        Assert.Equal("Profile fp8-h100-guide is refused: nothing was started.", lines[0]);
        Assert.Equal("Why vLLM would refuse:", lines[1]);
        Assert.Equal("  - No available memory for the cache blocks: the weights alone (67.72 GiB per GPU) exceed the budget of 67.30 GiB (0.85 × 79.18 GiB).", lines[2]);
        Assert.Contains("Changes that make it start:", lines);
        Assert.Contains(lines, l => l.StartsWith("  - Raise --gpu-memory-utilization to 0.95", StringComparison.Ordinal));
        Assert.Contains("Details: dotnet run --project Cli -- plan --profile fp8-h100-guide", lines);
    }

    [Fact]
    public async Task VllmIsPlannedOnTheGpusNvidiaSmiReports()
    {
        var none = await CheckAsync(["--backend", "vllm"], nvidiaSmi: null);
        var few = await CheckAsync(["--backend", "vllm", "--profile", "bf16-tp2-a100"], nvidiaSmi: "NVIDIA A100-SXM4-80GB, 81920 MiB\n");
        var fits = await CheckAsync(["--backend", "vllm"], nvidiaSmi: "NVIDIA A100-SXM4-80GB, 81920 MiB\n");

        Assert.Equal(1, none.Decision.ExitCode);
        Assert.StartsWith("Profile awq-int4-a100 is refused: nothing was started.\n  - No NVIDIA GPU found", none.Error, StringComparison.Ordinal);
        Assert.Equal(1, few.Decision.ExitCode);
        Assert.Contains("  - Profile bf16-tp2-a100 needs 2 GPUs (tensor parallelism); this machine has 1 (NVIDIA A100-SXM4-80GB).", few.Error, StringComparison.Ordinal);
        Assert.Null(fits.Decision.ExitCode);
        Assert.Equal("A100-80GB", fits.Decision.Plan!.Request.Gpu.Id);
    }

    [Fact]
    public async Task ReplicasSplitTheGpusByTheTensorParallelSizeAndTooFewForAllIsAUsageError()
    {
        const string a100 = "NVIDIA A100-SXM4-80GB, 81920 MiB\n";
        var fits = await CheckAsync(["--backend", "vllm", "--profile", "bf16-tp2-a100", "--replicas", "2"], nvidiaSmi: string.Concat(Enumerable.Repeat(a100, 4)));
        var tooFew = await CheckAsync(["--backend", "vllm", "--profile", "bf16-tp2-a100", "--replicas", "2"], nvidiaSmi: string.Concat(Enumerable.Repeat(a100, 3)));

        Assert.Null(fits.Decision.ExitCode);
        Assert.Equal(["0,1", "2,3"], fits.Decision.Gpus.Select(g => string.Join(',', g.Devices)));
        Assert.All(fits.Decision.Gpus, g => Assert.True(g.Plan.Feasible));
        Assert.Equal(2, tooFew.Decision.ExitCode);
        Assert.Equal("--replicas 2 needs 4 GPUs (2 per replica of bf16-tp2-a100); this machine has 3, enough for 1.\n", tooFew.Error);
    }

    [Fact]
    public async Task AReplicaOnASmallerCardIsRefusedWithItsGpusAndThePlannersReasons()
    {
        var (decision, error) = await CheckAsync(["--backend", "vllm", "--replicas", "2"], nvidiaSmi: "NVIDIA A100-SXM4-80GB, 81920 MiB\nNVIDIA A100-SXM4-40GB, 40960 MiB\n");

        Assert.Equal(1, decision.ExitCode);
        Assert.StartsWith("Profile awq-int4-a100 is refused: nothing was started.\n  - Replica 2 is planned on GPUs 1, where vLLM would refuse it.\nWhy vLLM would refuse:\n", error, StringComparison.Ordinal);
        Assert.Equal("A100-40GB", decision.Plan!.Request.Gpu.Id);
    }

    [Fact]
    public async Task OverflowModalWithoutADeploymentOrATokenNamesBothFixes()
    {
        var folder = Directory.CreateTempSubdirectory("aspire70b-gate-");
        try
        {
            var (decision, error) = await CheckAsync("--overflow", "modal", "--config-dir", folder.FullName);

            Assert.Equal(1, decision.ExitCode);
            Assert.Equal(
                $"""
                Profile awq-int4-a100 is refused: nothing was started.
                  - No Modal deployment of awq-int4-a100 is recorded in {folder.FullName}/modal-deployments.json. Deploy it first (dotnet run --project Cli -- deploy modal --profile awq-int4-a100).
                  - --overflow modal needs a Modal proxy-auth token (create one at https://modal.com/settings/proxy-auth-tokens): set MODAL_KEY and MODAL_SECRET, or 'dotnet user-secrets set Parameters:modal-key wk-… --project AppHost' and the same for Parameters:modal-secret.

                """,
                error);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ModalWithoutADeploymentOrATokenNamesBothFixes()
    {
        var folder = Directory.CreateTempSubdirectory("aspire70b-gate-");
        try
        {
            var (decision, error) = await CheckAsync("--backend", "modal", "--profile", "fp8-h100", "--config-dir", folder.FullName);

            Assert.Equal(1, decision.ExitCode);
            Assert.Equal(
                $"""
                Profile fp8-h100 is refused: nothing was started.
                  - No Modal deployment of fp8-h100 is recorded in {folder.FullName}/modal-deployments.json. Deploy it first (dotnet run --project Cli -- deploy modal --profile fp8-h100), or pass its URL with --model-endpoint.
                  - --backend modal needs a Modal proxy-auth token (create one at https://modal.com/settings/proxy-auth-tokens): set MODAL_KEY and MODAL_SECRET, or 'dotnet user-secrets set Parameters:modal-key wk-… --project AppHost' and the same for Parameters:modal-secret.

                """,
                error);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("MODAL_KEY", "MODAL_SECRET")]
    [InlineData("Parameters:modal-key", "Parameters:modal-secret")]
    [InlineData("MODAL_KEY", "Parameters:modal-secret")]
    public void TheTokenComesFromAspiresParametersOrTheEnvironment(string keyName, string secretName)
    {
        var configuration = Configuration([], (keyName, "wk-abc"), (secretName, "ws-def"));

        Assert.Null(ModalToken.Problem(configuration));
        var fallback = ModalToken.EnvironmentFallback(configuration).ToDictionary();
        Assert.Equal(keyName == "MODAL_KEY" ? "wk-abc" : null, fallback.GetValueOrDefault("Parameters:modal-key"));
        Assert.Equal(secretName == "MODAL_SECRET" ? "ws-def" : null, fallback.GetValueOrDefault("Parameters:modal-secret"));
    }

    [Fact]
    public void HalfATokenIsAProblemThatSaysWhatToSet()
    {
        Assert.Equal(
            "Only half of the Modal proxy-auth token is set: give both the key (MODAL_KEY or Parameters:modal-key) and the secret (MODAL_SECRET or Parameters:modal-secret).",
            ModalToken.Problem(Configuration([], ("MODAL_KEY", "wk-abc"))));
    }

    [Fact]
    public void OptionsComeFromConfigurationAsWellAsTheCommandLine()
    {
        var configuration = Configuration(["--profile", "fp8-h100"], ("Aspire70B:Backend", "external"), ("Aspire70B:ModelEndpoint", "http://gpu-box:8000"), ("Aspire70B:TimeScale", "0.5"));

        var options = configuration.GetSection(AppHostOptions.Section).Get<AppHostOptions>()!;

        Assert.Equal(("fp8-h100", ModelBackend.External, new Uri("http://gpu-box:8000"), 0.5), (options.Profile, options.Backend, options.ModelEndpointUri, options.TimeScale));
    }

    private static Task<(StartupDecision Decision, string Error)> CheckAsync(params string[] args) => CheckAsync(args, nvidiaSmi: null);

    private static async Task<(StartupDecision Decision, string Error)> CheckAsync(string[] args, string? nvidiaSmi)
    {
        var configuration = Configuration(args);
        var options = configuration.GetSection(AppHostOptions.Section).Get<AppHostOptions>() ?? new AppHostOptions();
        using var error = new StringWriter { NewLine = "\n" };
        var decision = await StartupGate.CheckAsync(options, configuration, error, _ => Task.FromResult(nvidiaSmi), default);
        return (decision, error.ToString());
    }

    private static IConfiguration Configuration(string[] args, params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .AddCommandLine(args, AppHostOptions.SwitchMappings.ToDictionary())
            .Build();
}
