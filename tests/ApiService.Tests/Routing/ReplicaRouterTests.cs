using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Routing;
using Microsoft.Extensions.Configuration;

namespace Aspire70B.ApiService.Tests.Routing;

/// <summary>Which replica the router picks, policy by policy, without any request being sent.</summary>
public sealed class ReplicaRouterTests
{
    private static readonly string SystemPrompt = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + string.Concat(Enumerable.Repeat("You answer questions about the ACME catalogue, politely and briefly. ", 8));

    [Fact]
    public void RoundRobinAlternatesExactly()
    {
        using var harness = new RouterHarness(RoutingPolicy.RoundRobin, ("model", ""), ("model-1", ""), ("model-2", ""));

        var picks = Enumerable.Range(0, 7).Select(_ => harness.Pick()).ToList();

        Assert.Equal(["model", "model-1", "model-2", "model", "model-1", "model-2", "model"], picks.Select(p => p.Name));
        Assert.All(picks, p => Assert.Equal(RoutingReason.RoundRobin, p.Reason));
    }

    [Fact]
    public void RoundRobinSkipsAReplicaWhoseCircuitIsOpenUntilItMayBeTriedAgain()
    {
        using var harness = new RouterHarness(RoutingPolicy.RoundRobin, ("model", ""), ("model-1", ""));
        harness["model-1"].Breaker.RecordFailure();
        harness["model-1"].Breaker.RecordFailure();

        Assert.Equal(["model", "model", "model", "model"], Enumerable.Range(0, 4).Select(_ => harness.Pick().Name));

        harness.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["model", "model-1"], Enumerable.Range(0, 2).Select(_ => harness.Pick().Name));
    }

    [Fact]
    public void LeastLoadedCountsInFlightPlusPolledWaitingThenRunningThenKvUsage()
    {
        using var harness = new RouterHarness(RoutingPolicy.LeastLoaded, ("model", ""), ("model-1", ""), ("model-2", ""));
        harness["model"].Enter();
        harness["model"].Enter();
        harness["model-1"].Load = new ReplicaLoad(Running: 0, Waiting: 1, KvCacheUsage: 0, 0, 0);
        harness["model-2"].Enter();

        // model 2, model-1 1 (waiting), model-2 1 (in flight): a tie, broken by running.
        harness["model-2"].Load = new ReplicaLoad(Running: 5, Waiting: 0, KvCacheUsage: 0, 0, 0);
        Assert.Equal(("model-1", RoutingReason.LeastLoaded), harness.Pick());

        harness["model-2"].Load = new ReplicaLoad(Running: 0, Waiting: 0, KvCacheUsage: 0.5, 0, 0);
        harness["model-1"].Load = new ReplicaLoad(Running: 0, Waiting: 1, KvCacheUsage: 0.9, 0, 0);
        Assert.Equal(("model-2", RoutingReason.LeastLoaded), harness.Pick());

        harness["model"].Exit();
        harness["model"].Exit();
        Assert.Equal(("model", RoutingReason.LeastLoaded), harness.Pick());
    }

    [Fact]
    public void LeastLoadedSpreadsIdenticalLoadInTurn()
    {
        using var harness = new RouterHarness(RoutingPolicy.LeastLoaded, ("model", ""), ("model-1", ""));

        Assert.Equal(["model", "model-1", "model", "model-1"], Enumerable.Range(0, 4).Select(_ => harness.Pick().Name));
    }

    [Fact]
    public void OverflowIsUsedOnlyWhenEveryPrimaryIsDownOrFull()
    {
        using var harness = new RouterHarness(RoutingPolicy.RoundRobin, ("model", ";MaxSequences=2"), ("model-1", ";MaxSequences=2"), ("model-modal", ";Tier=Overflow"));

        Assert.Equal(["model", "model-1", "model", "model-1"], Enumerable.Range(0, 4).Select(_ => harness.Pick().Name));

        // Full: in flight + waiting reach MaxSequences.
        harness["model"].Enter();
        harness["model"].Enter();
        harness["model-1"].Enter();
        harness["model-1"].Load = new ReplicaLoad(Running: 1, Waiting: 1, KvCacheUsage: 0.99, 0, 0);
        Assert.Equal(("model-modal", RoutingReason.Overflow), harness.Pick());

        // One primary has room again.
        harness["model"].Exit();
        Assert.Equal(("model", RoutingReason.RoundRobin), harness.Pick());

        // Down: both primaries' circuits open, whatever their room.
        foreach (var name in new[] { "model", "model-1" })
        {
            harness[name].Breaker.RecordFailure();
            harness[name].Breaker.RecordFailure();
        }

        Assert.Equal(("model-modal", RoutingReason.Overflow), harness.Pick());
    }

    [Fact]
    public void WhenEverythingIsFullTheShortestQueueTakesTheRequest()
    {
        using var harness = new RouterHarness(RoutingPolicy.RoundRobin, ("model", ";MaxSequences=1"), ("model-1", ";MaxSequences=1"), ("model-modal", ";Tier=Overflow;MaxSequences=1"));
        harness["model"].Enter();
        harness["model"].Enter();
        harness["model-1"].Enter();
        harness["model-modal"].Enter();
        harness["model-modal"].Enter();

        Assert.Equal(("model-1", RoutingReason.LeastLoaded), harness.Pick());
    }

    [Fact]
    public void ARetrySkipsTheReplicasTriedAndSaysSo()
    {
        using var harness = new RouterHarness(RoutingPolicy.RoundRobin, ("model", ""), ("model-1", ""), ("model-modal", ";Tier=Overflow"));

        Assert.Equal(("model-1", RoutingReason.Retry), harness.Pick(excluded: 0b001, retry: true));
        Assert.Equal(("model-modal", RoutingReason.Retry), harness.Pick(excluded: 0b011, retry: true));
        Assert.Equal(("(none)", RoutingReason.Retry), harness.Pick(excluded: 0b111, retry: true));
    }

    [Fact]
    public void PrefixAffinitySendsAGrowingConversationToTheReplicaThatServedItsStart()
    {
        using var harness = new RouterHarness(RoutingPolicy.PrefixAffinity, ("model", ""), ("model-1", ""), ("model-2", ""));
        var turn = SystemPrompt + "user: what does the catalogue hold about garden tools?";
        var (first, reason) = harness.Pick(turn);
        Assert.Equal(RoutingReason.LeastLoaded, reason);

        for (var i = 0; i < 5; i++)
        {
            turn += $"\nassistant: answer {i} " + new string('x', 200) + $"\nuser: and question {i}?";
            Assert.Equal((first, RoutingReason.Affinity), harness.Pick(turn));
        }
    }

    [Fact]
    public void PrefixAffinityKeepsEachConversationOnItsReplicaWhileSpreadingNewOnes()
    {
        using var harness = new RouterHarness(new RoutingOptions { Policy = RoutingPolicy.PrefixAffinity, PrefixMaxImbalance = 0 }, ("model", ""), ("model-1", ""));
        var a = SystemPrompt + "user: conversation A " + new string('a', 300);
        var b = SystemPrompt + "user: conversation B " + new string('b', 300);

        var first = harness.Pick(a).Name;
        harness[first].Enter();
        // B shares only the system prompt with A, and A's replica is busier: B goes to the other one (no imbalance allowed here).
        var second = harness.Pick(b).Name;
        Assert.NotEqual(first, second);
        harness[second].Enter();

        Assert.Equal((first, RoutingReason.Affinity), harness.Pick(a + "\nuser: more about A"));
        Assert.Equal((second, RoutingReason.Affinity), harness.Pick(b + "\nuser: more about B"));
    }

    [Fact]
    public void PrefixAffinityGivesWayToTheLeastLoadedPastTheImbalanceBound()
    {
        using var harness = new RouterHarness(new RoutingOptions { Policy = RoutingPolicy.PrefixAffinity, PrefixMaxImbalance = 2 },
            ("model", ";MaxSequences=5"), ("model-1", ";MaxSequences=5"));
        var conversation = SystemPrompt + "user: a long question " + new string('q', 600);
        var home = harness.Pick(conversation).Name;
        var other = home == "model" ? "model-1" : "model";

        harness[home].Enter();
        harness[home].Enter();
        Assert.Equal((home, RoutingReason.Affinity), harness.Pick(conversation + " more"));

        harness[home].Enter();
        Assert.Equal((other, RoutingReason.LeastLoaded), harness.Pick(conversation + " more"));

        // Both replicas now hold the prefix: the less loaded of them gets it, as affinity.
        Assert.Equal((other, RoutingReason.Affinity), harness.Pick(conversation + " more again"));
    }

    [Fact]
    public void PrefixAffinityDoesNotMixTenantsWhoseCachesVllmKeepsApart()
    {
        using var harness = new RouterHarness(RoutingPolicy.PrefixAffinity, ("model", ""), ("model-1", ""));
        var prompt = SystemPrompt + "user: same words " + new string('s', 400);

        Assert.Equal(RoutingReason.LeastLoaded, harness.Router.Pick(RouterHarness.Request(prompt, "team-a"), 0, retry: false).Reason);
        Assert.Equal(RoutingReason.LeastLoaded, harness.Router.Pick(RouterHarness.Request(prompt, "team-b"), 0, retry: false).Reason);
        Assert.Equal(RoutingReason.Affinity, harness.Router.Pick(RouterHarness.Request(prompt, "team-a"), 0, retry: false).Reason);
    }

    [Fact]
    public void OneReplicaIsAlwaysTheAnswerAndNothingIsHashed()
    {
        using var harness = new RouterHarness(RoutingPolicy.PrefixAffinity, ("model", ""));

        Assert.Same(harness["model"], harness.Replicas.Single);
        Assert.Equal("model", harness.Router.SingleName);
        Assert.Equal(new Uri("http://127.0.0.1:9/"), harness.Router.FixedEndpoint);
    }

    [Theory]
    [InlineData("Tier=Sideways", "neither Primary nor Overflow")]
    [InlineData("MaxSequences=0", "at least 1")]
    [InlineData("MaxSequences=many", "at least 1")]
    public void BadReplicaKeysSayWhy(string extra, string message)
    {
        var error = Assert.Throws<FormatException>(() => ModelConnection.Parse($"Endpoint=http://127.0.0.1:8000;{extra}"));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicaKeysParse()
    {
        var connection = ModelConnection.Parse("Endpoint=http://127.0.0.1:8000;Tier=overflow;MaxSequences=64");

        Assert.Equal((ReplicaTier.Overflow, 64), (connection.Tier, connection.MaxSequences));
        Assert.Equal((ReplicaTier.Primary, (int?)null), (ModelConnection.Parse("Endpoint=http://127.0.0.1:8000").Tier, ModelConnection.Parse("Endpoint=http://127.0.0.1:8000").MaxSequences));
    }

    [Fact]
    public void OnlyModelAndModelDashKeysAreReplicasInKeyOrderAndOneMustBePrimary()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:model-2"] = "Endpoint=http://127.0.0.1:8002",
            ["ConnectionStrings:cache"] = "127.0.0.1:6379",
            ["ConnectionStrings:models"] = "Endpoint=http://127.0.0.1:9999",
            ["ConnectionStrings:model"] = "Endpoint=http://127.0.0.1:8000",
            ["ConnectionStrings:model-1"] = "Endpoint=http://127.0.0.1:8001",
        }).Build();

        Assert.Equal(["model", "model-1", "model-2"], ModelReplicas.Read(configuration).Select(r => r.Name));

        var error = Assert.Throws<InvalidOperationException>(() => new RouterHarness(RoutingPolicy.RoundRobin, ("model-modal", ";Tier=Overflow")));
        Assert.Contains("must be Primary", error.Message, StringComparison.Ordinal);
    }
}
