using Aspire70B.Simulator.Extensions;
using Aspire70B.Simulator.Options;
using Microsoft.Extensions.Configuration;

namespace Aspire70B.Simulator.Tests.Options;

/// <summary>The command line and the environment set the same typed options, which are checked at start.</summary>
public sealed class SimulatorOptionsTests
{
    [Fact]
    public void EveryFlagLandsInTheSimulatorSection()
    {
        string[] args =
        [
            "--profile", "fp8-h100", "--time-scale", "0.5", "--mode", "echo", "--api-key", "k", "--seed", "42",
            "--enable-test-scripting", "--enable-fault-injection", "--urls", "http://127.0.0.1:9000",
        ];

        var options = Bind(new ConfigurationBuilder().AddCommandLine(SimulatorCommandLine.Normalize(args), SimulatorCommandLine.SwitchMappings).Build());

        Assert.Equal(("fp8-h100", 0.5, SimulatorMode.Echo, "k", 42L), (options.Profile, options.TimeScale, options.Mode, options.ApiKey, options.Seed));
        Assert.True(options.EnableTestScripting);
        Assert.True(options.EnableFaultInjection);
    }

    [Fact]
    public void ValuelessFlagsGetAValueAndExplicitValuesAreKept()
    {
        Assert.Equal(["--enable-fault-injection=true", "--urls", "x"], SimulatorCommandLine.Normalize(["--enable-fault-injection", "--urls", "x"]));
        Assert.Equal(["--enable-test-scripting", "false"], SimulatorCommandLine.Normalize(["--enable-test-scripting", "false"]));
    }

    [Fact]
    public void EnvironmentStyleKeysSetTheSameOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Simulator:Profile"] = "int8-a100",
            ["Simulator:Mode"] = "lorem",
            ["Simulator:TimeScale"] = "0",
        }).Build();

        var options = Bind(configuration);

        Assert.Equal(("int8-a100", SimulatorMode.Lorem, 0.0), (options.Profile, options.Mode, options.TimeScale));
    }

    [Theory]
    [InlineData("awq-int4-a100", 1.0, null)]
    [InlineData("no-such-profile", 1.0, "Unknown profile 'no-such-profile'.")]
    [InlineData("fp8-h100-guide", 1.0, "Profile fp8-h100-guide would not start on vLLM: No available memory for the cache blocks")]
    [InlineData("awq-int4-a100", -1.0, "Simulator:TimeScale must be a finite number ≥ 0, got -1.")]
    [InlineData("awq-int4-a100", double.NaN, "Simulator:TimeScale must be a finite number ≥ 0")]
    public void StartIsRefusedForSettingsThatMakeNoSense(string profile, double timeScale, string? failure)
    {
        var result = new SimulatorOptionsValidator().Validate(null, new SimulatorOptions { Profile = profile, TimeScale = timeScale });

        if (failure is null)
        {
            Assert.True(result.Succeeded);
        }
        else
        {
            Assert.Contains(result.Failures!, f => f.StartsWith(failure, StringComparison.Ordinal));
        }
    }

    private static SimulatorOptions Bind(IConfiguration configuration)
    {
        var options = new SimulatorOptions();
        configuration.GetSection(SimulatorOptions.Section).Bind(options);
        return options;
    }
}
