using System.Diagnostics;
using Aspire70B.ApiService.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aspire70B.ApiService.Tests.Routing;

/// <summary>The load poller against a real Simulator and a replica that refuses connections.</summary>
[Collection(ReplicaSimulatorsTests.Name)]
public sealed class ReplicaMetricsPollerTests(ReplicaSimulators fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task APollReadsTheSimulatorsLoadAndAFailedOneLeavesTheLoadUnknownWithoutTakingTheReplicaDown()
    {
        // An interval of an hour: only the poll made at start happens during the test.
        using var harness = RouterHarness.WithConnections(new RoutingOptions { Policy = RoutingPolicy.RoundRobin, MetricsInterval = TimeSpan.FromHours(1) },
            ("model", fixture.Replica(0)), ("model-1", "Endpoint=http://127.0.0.1:1/"));
        harness["model-1"].Load = new ReplicaLoad(1, 1, 0.5, 10, 5);
        var logger = new Aspire70B.ApiService.Tests.Infrastructure.ListLogger<ReplicaMetricsPoller>();
        using var poller = new ReplicaMetricsPoller(harness.Replicas, harness.HttpClientFactory, Microsoft.Extensions.Options.Options.Create(harness.Options),
            TimeProvider.System, logger);

        await poller.StartAsync(CancellationToken.None);
        var clock = Stopwatch.StartNew();
        while (harness["model"].Load is null || harness["model-1"].Load is not null)
        {
            Assert.True(clock.Elapsed < Bound, $"the first polls did not end: model {harness["model"].Load}, model-1 {harness["model-1"].Load}; {string.Join(" | ", logger.Lines.Select(l => l.Message))}");
            await Task.Delay(20);
        }

        await poller.StopAsync(CancellationToken.None);

        var load = harness["model"].Load!;
        Assert.Equal((0.0, 0.0), (load.Running, load.Waiting));
        Assert.InRange(load.KvCacheUsage, 0, 1);
        Assert.False(harness["model-1"].Breaker.IsOpen);
        Assert.Equal(["model", "model-1"], new[] { harness.Pick().Name, harness.Pick().Name });
    }
}
