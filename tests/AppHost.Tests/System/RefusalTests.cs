namespace Aspire70B.AppHost.Tests.System;

/// <summary>What the AppHost refuses before it starts anything.</summary>
public sealed class RefusalTests
{
    [Fact]
    public async Task AnInfeasibleProfileIsRefusedWithThePlannersReasonsBeforeAnyProcessStarts()
    {
        var endpoints = Path.Combine(Path.GetTempPath(), $"aspire70b-refused-{Guid.NewGuid():N}.json");
        var result = await CliRunner.RunProcessAsync("--profile", "fp8-h100-guide", "--endpoints-file", endpoints);
        var errors = result.Error.Split('\n');

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Profile fp8-h100-guide is refused: nothing was started.", errors[0]);
        Assert.Equal("Why vLLM would refuse:", errors[1]);
        Assert.Equal(
            "  - No available memory for the cache blocks: the weights alone (67.72 GiB per GPU) exceed the budget of 67.30 GiB (0.85 × 79.18 GiB).",
            errors[2]);
        Assert.Contains("Changes that make it start:", errors);
        Assert.Contains(errors, l => l.StartsWith("  - Raise --gpu-memory-utilization to 0.95", StringComparison.Ordinal));
        Assert.Contains("Details: dotnet run --project AppHost -- plan --profile fp8-h100-guide", errors);
        Assert.Equal("", result.Out);
        Assert.False(File.Exists(endpoints));
    }

    [Theory]
    [InlineData(new[] { "--backend", "external" }, "--backend external needs --model-endpoint URL.")]
    [InlineData(new[] { "--model-endpoint", "http://gpu-box:8000" }, "--model-endpoint goes with --backend external or modal.")]
    [InlineData(new[] { "--backend", "vllm", "--config-dir", "/tmp/x" }, "--config-dir goes with --backend modal.")]
    [InlineData(new[] { "--backend", "external", "--model-endpoint", "ftp://gpu-box" }, "--model-endpoint must be an absolute http(s) URL, got 'ftp://gpu-box'.")]
    [InlineData(new[] { "--time-scale", "-1" }, "--time-scale must be 0 or more, got -1.")]
    [InlineData(new[] { "--vllm", "/opt/venv/bin/vllm" }, "--vllm goes with --backend vllm.")]
    [InlineData(new[] { "--port", "70000" }, "--port must be between 1 and 65535, got 70000.")]
    public void UsageErrorsExitWith2AndSayWhatIsWrong(string[] args, string message)
    {
        var result = CliRunner.Run(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Error.TrimEnd('\n'));
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void AnUnknownProfileExitsWith2AndListsTheProfiles()
    {
        var result = CliRunner.Run("--profile", "nope");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("Unknown profile 'nope'.", result.Error, StringComparison.Ordinal);
        Assert.Contains("awq-int4-a100", result.Error, StringComparison.Ordinal);
    }
}
