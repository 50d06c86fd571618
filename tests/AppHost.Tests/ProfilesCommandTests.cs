using System.Text.Json;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.AppHost.Tests;

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
}
