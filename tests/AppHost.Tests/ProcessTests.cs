using System.Net;
using Aspire70B.TestSupport;

namespace Aspire70B.AppHost.Tests;

/// <summary>
/// The AppHost as users run it, a real process with DCP and the dashboard: what it refuses before starting anything,
/// the endpoints file, and what is left after Ctrl+C/SIGTERM or after it is killed outright (nothing).
/// </summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessTests
{
    [Fact]
    public async Task AnInfeasibleProfileExits1WithThePlannersReasonsAndStartsNothing()
    {
        await using var appHost = AppHostProcess.Start(["--profile", "fp8-h100-guide"]);

        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromMinutes(2)), appHost.Output);
        Assert.Equal(1, appHost.ExitCode);
        Assert.Contains("Profile fp8-h100-guide is refused: nothing was started.", appHost.Output, StringComparison.Ordinal);
        Assert.Contains("  - No available memory for the cache blocks", appHost.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Distributed application starting", appHost.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(appHost.EndpointsFile));
    }

    [Fact]
    public async Task AnUnknownProfileExits2()
    {
        await using var appHost = AppHostProcess.Start(["--profile", "nope"]);

        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromMinutes(2)), appHost.Output);
        Assert.Equal(2, appHost.ExitCode);
        Assert.Contains("Unknown profile 'nope'.", appHost.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEndpointsFileNamesEveryResourceAndTheDashboardAndSigtermStopsEverything()
    {
        await using var appHost = AppHostProcess.Start(["--time-scale", "0"]);
        var endpoints = await appHost.WaitUntilReadyAsync(TestApp.Bound);

        Assert.Equal(["apiservice", "cache", "dashboard", "model"], endpoints.Keys.Order(StringComparer.Ordinal));
        Assert.Matches(@"^redis://localhost:\d+$", endpoints["cache"]);
        Assert.Matches(@"^http://localhost:\d+$", endpoints["model"]);
        Assert.Matches(@"^http://localhost:\d+$", endpoints["apiservice"]);
        Assert.Equal($"{appHost.DashboardUrl}/login?t=", endpoints["dashboard"][..^32]);
        Assert.Contains($"Login to the dashboard at {endpoints["dashboard"]}", appHost.Output, StringComparison.Ordinal);
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) })
        {
            using var models = await http.GetAsync(new Uri(endpoints["apiservice"] + "/v1/models"));
            Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        }

        var children = ProcessTree.Descendants(appHost.Id);
        Assert.Contains(children, p => p.Command.Contains("Aspire70B.ApiService", StringComparison.Ordinal));
        Assert.Contains(children, p => p.Command.Contains("redis-server", StringComparison.Ordinal) || p.Command.Contains("garnet", StringComparison.OrdinalIgnoreCase));

        appHost.Signal(ProcessTree.SigTerm);

        Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromMinutes(2)), appHost.Output);
        Assert.True(await ProcessTree.AllGoneAsync(children, TimeSpan.FromMinutes(1)), string.Join('\n', ProcessTree.Alive(children)));
        Assert.False(File.Exists(appHost.EndpointsFile));
    }

    [Fact]
    public async Task AnAppHostKilledOutrightLeavesNoResourceProcessBehind()
    {
        await using var appHost = AppHostProcess.Start(["--time-scale", "0"]);
        await appHost.WaitUntilReadyAsync(TestApp.Bound);
        var children = ProcessTree.Descendants(appHost.Id);
        Assert.Contains(children, p => p.Command.Contains("Aspire70B.Simulator", StringComparison.Ordinal));

        appHost.Signal(ProcessTree.SigKill);

        Assert.True(await ProcessTree.AllGoneAsync(children, TimeSpan.FromMinutes(2)), string.Join('\n', ProcessTree.Alive(children)));
    }
}
