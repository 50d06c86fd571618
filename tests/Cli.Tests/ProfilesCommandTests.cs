using System.Text.Json;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Cli.Tests;

public sealed class ProfilesCommandTests
{
    [Fact]
    public void JsonListsEveryProfileWithNameDescriptionAndPlan()
    {
        var result = CliRunner.Run("profiles", "--json");
        var profiles = JsonDocument.Parse(result.Out).RootElement.EnumerateArray().ToList();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(DeploymentProfiles.All.Select(p => p.Name), profiles.Select(p => p.GetProperty("name").GetString()));
        foreach (var profile in profiles)
        {
            Assert.False(string.IsNullOrWhiteSpace(profile.GetProperty("description").GetString()));
            var plan = profile.GetProperty("plan");
            Assert.Equal(profile.GetProperty("name").GetString() != "fp8-h100-guide", plan.GetProperty("feasible").GetBoolean());
            Assert.Equal(JsonValueKind.Array, plan.GetProperty("vllmArgs").ValueKind);
        }

        var guide = profiles.Single(p => p.GetProperty("name").GetString() == "fp8-h100-guide");
        Assert.Equal("fp8-h100", guide.GetProperty("guideVariantOf").GetString());
    }

    [Fact]
    public void TheTableShowsEveryProfileWithItsVerdict()
    {
        var result = CliRunner.Run("profiles");
        var lines = result.Out.Split('\n');

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("PROFILE ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("VERDICT", lines[0], StringComparison.Ordinal);
        foreach (var profile in DeploymentProfiles.All)
        {
            var row = Assert.Single(lines, l => l.StartsWith(profile.Name + " ", StringComparison.Ordinal));
            Assert.EndsWith(profile.Name == "fp8-h100-guide" ? "refused: no-kv-cache-memory" : "starts", row, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheCostTableGivesEachProfileThatStartsItsHourDayMonthAndTokenPrices()
    {
        var result = CliRunner.Run("profiles", "--costs");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """
            PROFILE              GPUS           WEIGHTS GIB   $/H  $/DAY (10 H)  $/MONTH  TOK/S  $/M TOKENS
            -------------------  -------------  -----------  ----  ------------  -------  -----  ----------
            awq-int4-a100        1 × A100-80GB         37.1  2.50         25.00      550   40.6       17.12
            fp8-h100             1 × H100-80GB         67.7  3.95         39.50      869   35.6       30.84
            bf16-tp2-a100        2 × A100-80GB        131.5  5.00         50.00    1,100   18.2       76.40
            bf16-tp2-a100-guide  2 × A100-80GB        131.5  5.00         50.00    1,100   18.2       76.40
            int8-a100            1 × A100-80GB         67.7  2.50         25.00      550   21.7       32.07
            awq-llama2-a100      1 × A100-80GB         34.1  2.50         25.00      550   42.4       16.39
            gptq-llama2-a100     1 × A100-80GB         34.1  2.50         25.00      550   42.4       16.40

            Prices: Modal list price, 2025, per GPU-hour while a container runs. $/MONTH is 22 such days.
            WEIGHTS GIB is what every cold start loads. $/M TOKENS is one stream at the batch-1 speed (TOK/S); concurrent
            streams share the GPU-hour, so it falls nearly in proportion while decoding stays memory-bound.
            Not priced (vLLM would refuse them): fp8-h100-guide.

            """,
            result.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void TheWarmHoursChangeTheDayAndMonthOnly()
    {
        var lines = CliRunner.Run("profiles", "--costs", "--hours-per-day", "24").Out.Split('\n');

        Assert.EndsWith("$/DAY (24 H)  $/MONTH  TOK/S  $/M TOKENS", lines[0], StringComparison.Ordinal);
        Assert.Equal("fp8-h100             1 × H100-80GB         67.7  3.95         94.80    2,086   35.6       30.84", lines[3]);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("25")]
    public void WarmHoursOutsideADayAreAUsageError(string hours)
    {
        var result = CliRunner.Run("profiles", "--costs", "--hours-per-day", hours);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"--hours-per-day must be more than 0 and at most 24, got {hours}.\n", result.Error.ReplaceLineEndings("\n"));
    }
}
