using Aspire70B.AppHost.Hosting;
using Aspire70B.AppHost.Model;
using Aspire70B.AppHost.Output;

namespace Aspire70B.AppHost.Tests.Orchestration;

/// <summary>The orchestrator with small shell processes as resources: ordering, exit reports, stop order, the contract.</summary>
public sealed class SupervisorTests
{
    private static readonly HostPaths Paths = new(Path.GetTempPath(), "Debug", "dotnet");

    private static (DistributedApplicationBuilder Builder, StringWriter Output) Create()
    {
        var output = new StringWriter();
        return (new DistributedApplicationBuilder(Paths, new ResourceConsole(TextWriter.Synchronized(output), color: false)), output);
    }

    private static ResourceBuilder Shell(DistributedApplicationBuilder builder, string name, string script, double readyAfterSeconds = 0.2)
    {
        var resource = builder.AddExecutable(name, new ProcessLaunch("sh", ["-c", script]), "test");
        resource.Resource.Readiness = new StaysRunningCheck(TimeSpan.FromSeconds(readyAfterSeconds));
        return resource;
    }

    [Fact]
    public async Task AResourceThatExitsWhileStartingIsReportedWithItsLastOutputAndNothingElseStarts()
    {
        var (builder, output) = Create();
        var crash = Shell(builder, "crash", "echo loading; echo boom >&2; exit 3", readyAfterSeconds: 5);
        Shell(builder, "after", "sleep 30").WaitFor(crash);

        var exit = await builder.Build().RunAsync(_ => Task.CompletedTask, CancellationToken.None);

        Assert.Equal(1, exit);
        var text = output.ToString();
        Assert.Contains("crash exited while starting with code 3. Its last output:\n  | loading\n  | boom\n", text.Replace("  | boom\n  | loading", "  | loading\n  | boom", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("Starting after", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AResourceThatExitsAfterStartUpIsReportedAndTheSystemStops()
    {
        var (builder, output) = Create();
        Shell(builder, "steady", "sleep 30");
        // Well after its 0.2 s readiness, even on a loaded machine: this is an exit after start-up.
        Shell(builder, "flaky", "sleep 3; echo bye; exit 4");

        var exit = await builder.Build().RunAsync(_ => Task.CompletedTask, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("flaky exited unexpectedly with code 4. Its last output:\n  | bye Stopping the system.", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Stopping steady (pid ", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellationStopsChildrenInReverseStartOrderWithSigterm()
    {
        var (builder, output) = Create();
        var first = Shell(builder, "first", "trap 'echo first got TERM; exit 0' TERM; while true; do sleep 0.1; done");
        Shell(builder, "second", "trap 'echo second got TERM; exit 0' TERM; while true; do sleep 0.1; done").WaitFor(first);
        using var stop = new CancellationTokenSource();

        var exit = await builder.Build().RunAsync(_ =>
        {
            stop.CancelAfter(300);
            return Task.CompletedTask;
        }, stop.Token);

        Assert.Equal(0, exit);
        var lines = output.ToString().Split('\n');
        var order = new[] { "Stopping second (pid ", "[second] second got TERM", "Stopping first (pid ", "[first] first got TERM", "Stopped." }
            .Select(prefix => Array.FindIndex(lines, l => l.StartsWith(prefix, StringComparison.Ordinal)))
            .ToList();
        Assert.All(order, i => Assert.True(i >= 0, output.ToString()));
        Assert.Equal(order.Order().ToList(), order);
    }

    [Fact]
    public async Task WhatAChildStartedIsStoppedWithItAndDoesNotHoldTheStopUp()
    {
        var (builder, output) = Create();
        // The shell dies of SIGTERM at once; its background sleep would go on holding the output pipe for a minute.
        Shell(builder, "parent", "sleep 60 & echo \"grandchild $!\"; wait");
        using var stop = new CancellationTokenSource();
        var clock = global::System.Diagnostics.Stopwatch.StartNew();

        var exit = await builder.Build().RunAsync(async _ =>
        {
            await Task.Delay(300);
            await stop.CancelAsync();
        }, stop.Token);

        Assert.Equal(0, exit);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the stop took {clock.Elapsed}");
        var line = output.ToString().Split('\n').Single(l => l.StartsWith("[parent] grandchild ", StringComparison.Ordinal));
        var grandchild = int.Parse(line["[parent] grandchild ".Length..], global::System.Globalization.CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline && PosixSignals.IsAlive(grandchild))
        {
            await Task.Delay(50);
        }

        Assert.False(PosixSignals.IsAlive(grandchild), $"the grandchild {grandchild} outlived the stop");
    }

    [Fact]
    public async Task AResourceStartsOnlyAfterWhatItWaitsForIsReady()
    {
        var (builder, output) = Create();
        var slow = Shell(builder, "slow", "sleep 30", readyAfterSeconds: 0.8);
        Shell(builder, "dependent", "sleep 30").WaitFor(slow);
        Shell(builder, "independent", "sleep 30");
        using var stop = new CancellationTokenSource();

        await builder.Build().RunAsync(_ =>
        {
            stop.Cancel();
            return Task.CompletedTask;
        }, stop.Token);

        var lines = output.ToString().Split('\n').ToList();
        int Index(string prefix) => lines.FindIndex(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(Index("Starting independent") < Index("slow is ready"), output.ToString());
        Assert.True(Index("slow is ready") < Index("Starting dependent"), output.ToString());
    }

    [Fact]
    public void ReferencesFollowAspiresContract()
    {
        var (builder, _) = Create();
        var cache = builder.AddExternal("cache", "test");
        cache.Resource.ConnectionString = "127.0.0.1:6390";
        var model = builder.AddExternal("model", "test");
        model.Resource.ConnectionString = ModelServerResource.ConnectionString(new Uri("http://127.0.0.1:8000/"), "llama-3.1-70b-instruct", "k");
        var api = builder.AddProject("apiservice", "ApiService", port: 5100).WithReference(cache).WithReference(model);
        var worker = builder.AddProject("worker", "Worker", http: false).WithReference(api).WithReference(cache);
        var app = builder.Build();
        app.SharedEnvironment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:4317";

        var apiEnvironment = app.EnvironmentOf(api.Resource);
        var workerEnvironment = app.EnvironmentOf(worker.Resource);

        Assert.Equal("127.0.0.1:6390", apiEnvironment["ConnectionStrings__cache"]);
        Assert.Equal("Endpoint=http://127.0.0.1:8000;Model=llama-3.1-70b-instruct;Key=k", apiEnvironment["ConnectionStrings__model"]);
        Assert.Equal("http://127.0.0.1:5100", apiEnvironment["ASPNETCORE_URLS"]);
        Assert.Equal("apiservice", apiEnvironment["OTEL_SERVICE_NAME"]);
        Assert.Equal("http://localhost:4317", apiEnvironment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http://127.0.0.1:5100", workerEnvironment["services__apiservice__http__0"]);
        Assert.Equal("127.0.0.1:6390", workerEnvironment["ConnectionStrings__cache"]);
        Assert.False(workerEnvironment.ContainsKey("ASPNETCORE_URLS"));
    }

    [Fact]
    public void TheCurlIsReadyToPaste()
    {
        Assert.Equal(
            """curl -N http://127.0.0.1:5100/v1/chat/completions -H 'Content-Type: application/json' -d '{"model":"llama-3.1-70b-instruct","stream":true,"messages":[{"role":"user","content":"Write a haiku about GPUs."}]}'""",
            StartupReport.Curl(new Uri("http://127.0.0.1:5100/"), "llama-3.1-70b-instruct"));
    }
}
