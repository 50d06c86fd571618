namespace Aspire70B.AppHost.Tests.System;

/// <summary>A run without redis-server on PATH (so Garnet), stopped with SIGTERM: nothing may remain.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task WithoutRedisServerGarnetServesTheCacheAndSigtermLeavesNoProcessBehind()
    {
        var path = Directory.CreateTempSubdirectory("aspire70b-path-").FullName;
        IReadOnlyList<int> tree = [];
        try
        {
            // PATH with dotnet alone: no redis-server, no docker, no setsid.
            File.CreateSymbolicLink(Path.Combine(path, "dotnet"), ResolveDotnet());
            await using var appHost = AppHostProcess.Start(["--time-scale", "0"], new Dictionary<string, string> { ["PATH"] = path });
            var endpoints = await appHost.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));

            Assert.Matches(@"^redis://127\.0\.0\.1:\d+$", endpoints["cache"]);
            Assert.Contains(
                "Cache: garnet. no redis-server on PATH and no docker on PATH; running Garnet from the tool manifest (.config/dotnet-tools.json).",
                appHost.Output.Split('\n'));
            var children = appHost.ResourcePids();
            Assert.Equal(["apiservice", "cache", "model", "worker"], children.Keys.Order(StringComparer.Ordinal));
            tree = appHost.Descendants();
            Assert.All(children.Values, pid => Assert.Contains(pid, tree));

            await appHost.SignalAsync("TERM");

            Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromSeconds(30)), appHost.Output);
            Assert.Equal(0, appHost.ExitCode);
            Assert.All(tree, pid => Assert.False(ProcessTree.IsAlive(pid), $"process {pid} survived the AppHost:\n{appHost.Output}"));
            var lines = appHost.Output.Split('\n');
            var order = new[] { "worker", "apiservice", "model", "cache" }
                .Select(name => Array.FindIndex(lines, l => l.StartsWith($"Stopping {name} (pid ", StringComparison.Ordinal)))
                .ToList();
            Assert.All(order, index => Assert.True(index >= 0, appHost.Output));
            Assert.Equal(order.Order().ToList(), order);
            Assert.False(File.Exists(appHost.EndpointsFile));
        }
        finally
        {
            // Whatever survived a failed assertion is no longer the AppHost's descendant: end it by its pid.
            foreach (var pid in tree.Where(ProcessTree.IsAlive))
            {
                ProcessTree.Kill(pid);
            }

            Directory.Delete(path, recursive: true);
        }
    }

    private static string ResolveDotnet()
    {
        var fromHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (fromHost is { Length: > 0 } && File.Exists(fromHost))
        {
            return fromHost;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "dotnet"))
            .First(File.Exists);
    }
}
