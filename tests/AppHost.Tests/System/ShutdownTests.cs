namespace Aspire70B.AppHost.Tests.System;

/// <summary>Stopping the system: with SIGTERM (a run on Garnet) and with SIGKILL, nothing may remain.</summary>
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
            var clock = global::System.Diagnostics.Stopwatch.StartNew();
            await using var appHost = AppHostProcess.Start(["--time-scale", "0"], new Dictionary<string, string> { ["PATH"] = path });
            var endpoints = await appHost.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));

            // The tool manifest is restored already (CI and the first run do it): ready well within a minute on Garnet.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"ready after {clock.Elapsed.TotalSeconds:0.0} s");

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

    [Fact]
    public async Task AConfiguredCacheIsUsedAndNoRedisIsStarted()
    {
        await using var redis = await TestSupport.RedisServer.StartAsync(TestSupport.RedisKind.Redis);
        await using var appHost = AppHostProcess.Start(["--time-scale", "0"], new Dictionary<string, string> { ["ConnectionStrings__cache"] = redis.ConnectionString });
        var endpoints = await appHost.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));

        Assert.Equal($"redis://{redis.ConnectionString}", endpoints["cache"]);
        Assert.Contains("Cache: configured. ConnectionStrings:cache is set; using that server, starting none.", appHost.Output.Split('\n'));
        Assert.Equal(["apiservice", "model", "worker"], appHost.ResourcePids().Keys.Order(StringComparer.Ordinal));
        var apiservice = appHost.ResourcePids()["apiservice"];
        var environ = File.ReadAllText($"/proc/{apiservice}/environ").Split('\0');
        Assert.Contains($"ConnectionStrings__cache={redis.ConnectionString}", environ);
    }

    [Fact]
    public async Task AnAppHostKilledOutrightLeavesNoChildBehind()
    {
        IReadOnlyList<int> tree = [];
        try
        {
            await using var appHost = AppHostProcess.Start(["--time-scale", "0"]);
            await appHost.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            var children = appHost.ResourcePids();
            tree = appHost.Descendants();
            Assert.All(children.Values, pid => Assert.Contains(pid, tree));

            // SIGKILL: no handler runs, the AppHost stops nothing itself. Its guard sees the pipe close.
            await appHost.SignalAsync("KILL");
            Assert.True(await appHost.WaitForExitAsync(TimeSpan.FromSeconds(10)));

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline && tree.Any(ProcessTree.IsAlive))
            {
                await Task.Delay(200);
            }

            Assert.All(children, child => Assert.False(ProcessTree.IsAlive(child.Value), $"{child.Key} (pid {child.Value}) survived a killed AppHost"));
            Assert.All(tree, pid => Assert.False(ProcessTree.IsAlive(pid), $"process {pid} survived a killed AppHost"));
        }
        finally
        {
            foreach (var pid in tree.Where(ProcessTree.IsAlive))
            {
                ProcessTree.Kill(pid);
            }
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
