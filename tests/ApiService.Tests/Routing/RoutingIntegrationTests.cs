using System.Text.Json;
using Aspire70B.ApiService.Tests.Infrastructure;

namespace Aspire70B.ApiService.Tests.Routing;

/// <summary>
/// Several replicas behind one gateway, over real HTTP on loopback: real Simulator processes, and a scripted server
/// for the failures a Simulator cannot be made to show on one replica only.
/// </summary>
[Collection(ReplicaSimulatorsTests.Name)]
public sealed class RoutingIntegrationTests(ReplicaSimulators fixture)
{
    /// <summary>Nothing listens there: the connection is refused.</summary>
    private const string DeadReplica = "Endpoint=http://127.0.0.1:1/";

    [Fact]
    public async Task RoundRobinAlternatesExactlyAndTheHeaderNamesEachReplica()
    {
        await using var gateway = ReplicaSimulators.Gateway(new Dictionary<string, string> { ["model"] = fixture.Replica(0), ["model-1"] = fixture.Replica(1) }, "RoundRobin");
        var before = (await fixture.FinishedAsync(0), await fixture.FinishedAsync(1));

        var replicas = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            var (status, body, replica) = await gateway.ChatAsync(ReplicaSimulators.Chat($"question {i}", stream: i % 2 == 1));
            Assert.True(status == 200, body);
            replicas.Add(replica);
        }

        Assert.Equal(["model", "model-1", "model", "model-1", "model", "model-1"], replicas);
        Assert.Equal((before.Item1 + 3, before.Item2 + 3), (await fixture.FinishedAsync(0), await fixture.FinishedAsync(1)));
    }

    [Fact]
    public async Task OneReplicaNamedModelIsTodaysSetupAndItsNameIsTheHeader()
    {
        await using var gateway = ReplicaSimulators.Gateway(new Dictionary<string, string> { ["model"] = fixture.Replica(0) }, "PrefixAffinity");

        var (status, body, replica) = await gateway.ChatAsync(ReplicaSimulators.Chat("hello"));

        Assert.True(status == 200, body);
        Assert.Equal("model", replica);
        Assert.Equal("Healthy", await gateway.Client.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }

    [Fact]
    public async Task PrefixAffinitySendsEveryTurnOfAConversationToOneReplicaWhosePrefixCacheThenHits()
    {
        await using var gateway = ReplicaSimulators.Gateway(
            new Dictionary<string, string> { ["model"] = fixture.Replica(0), ["model-1"] = fixture.Replica(1), ["model-2"] = fixture.Replica(2) }, "PrefixAffinity");
        var hitsBefore = await Task.WhenAll(Enumerable.Range(0, 3).Select(fixture.PrefixHitsAsync));
        var system = "You are the catalogue assistant of a hardware shop. " + string.Concat(Enumerable.Repeat("Answer briefly and name the aisle of every product. ", 10));
        var messages = new List<object> { new { role = "system", content = system } };

        var replicas = new List<string?>();
        for (var turn = 0; turn < 4; turn++)
        {
            messages.Add(new { role = "user", content = $"Turn {turn}: where are the {turn switch { 0 => "hammers", 1 => "nails", 2 => "saws", _ => "drills" }}?" });
            var json = JsonSerializer.Serialize(new { model = Aspire70B.TestSupport.SystemProcesses.Model, messages, max_tokens = 16, temperature = 0.7 });
            var (status, body, replica) = await gateway.ChatAsync(json);
            Assert.True(status == 200, body);
            replicas.Add(replica);
            var answer = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
            messages.Add(new { role = "assistant", content = answer });
        }

        Assert.Single(replicas.Distinct());
        var home = replicas[0] switch { "model" => 0, "model-1" => 1, _ => 2 };
        var hitsAfter = await Task.WhenAll(Enumerable.Range(0, 3).Select(fixture.PrefixHitsAsync));
        Assert.True(hitsAfter[home] > hitsBefore[home], "the replica that served the conversation found its prefix cached");
        for (var i = 0; i < 3; i++)
        {
            if (i != home)
            {
                Assert.Equal(hitsBefore[i], hitsAfter[i]);
            }
        }
    }

    [Fact]
    public async Task AReplicaThatRefusesConnectionsCostsNoRequest()
    {
        await using var gateway = ReplicaSimulators.Gateway(new Dictionary<string, string> { ["model"] = DeadReplica, ["model-1"] = fixture.Replica(1) }, "RoundRobin");
        var before = await fixture.FinishedAsync(1);

        for (var i = 0; i < 4; i++)
        {
            var (status, body, replica) = await gateway.ChatAsync(ReplicaSimulators.Chat($"question {i}", stream: i % 2 == 0));
            Assert.True(status == 200, body);
            Assert.Equal("model-1", replica);
        }

        Assert.Equal(before + 4, await fixture.FinishedAsync(1));
        Assert.Equal("Degraded", await gateway.Client.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }

    [Fact]
    public async Task AReplicaAnswering500CostsNoRequestAndIsAskedOnceEachTimeItsTurnComes()
    {
        await using var failing = await ScriptedUpstream.StartAsync();
        await using var gateway = ReplicaSimulators.Gateway(
            new Dictionary<string, string> { ["model"] = $"Endpoint={failing.Endpoint}", ["model-1"] = fixture.Replica(1) }, "RoundRobin");

        for (var i = 0; i < 4; i++)
        {
            var (status, body, replica) = await gateway.ChatAsync(ReplicaSimulators.Chat($"question {i}"));
            Assert.True(status == 200, body);
            Assert.Equal("model-1", replica);
        }

        // Turns 0 and 2 went to the failing replica first, once each (no backoff retries there: another replica was left).
        Assert.Equal(2, failing.Requests.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AModelServerThatBreaksTheProtocolIsABadGatewayNotAServerError(bool stream)
    {
        // Text for a choice after its finish, then a choice that was not asked for: neither a 500 nor an answer.
        await using var broken = await ScriptedUpstream.StartAsync();
        broken.ThenEvents(ScriptedUpstream.Chunk("Hel", "stop"), ScriptedUpstream.Chunk("lo"), ScriptedUpstream.Usage(1, 2), "[DONE]");
        broken.ThenEvents(ScriptedUpstream.Chunk("Hel").Replace("\"index\":0", "\"index\":1", StringComparison.Ordinal), ScriptedUpstream.Usage(1, 1), "[DONE]");
        await using var gateway = ReplicaSimulators.Gateway(new Dictionary<string, string> { ["model"] = $"Endpoint={broken.Endpoint}" }, "RoundRobin");

        foreach (var expected in (string[])["output for choice 0 of 1 after it had finished", "output for choice 1 of 1."])
        {
            var (status, body, _) = await gateway.ChatAsync(ReplicaSimulators.Chat("hello", stream));

            if (stream && expected.EndsWith("finished", StringComparison.Ordinal))
            {
                // A streamed answer had started: it ends with an error event instead of [DONE].
                Assert.Equal(200, status);
                var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
                Assert.StartsWith("data: {\"error\":", events[^1], StringComparison.Ordinal);
                Assert.DoesNotContain("data: [DONE]", body, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(502, status);
                Assert.Contains(expected, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.Equal(2, broken.Requests.Count);
    }

    [Fact]
    public async Task AReplicaThatFailsMidStreamIsNotRetried()
    {
        await using var failing = await ScriptedUpstream.StartAsync();
        failing.ThenEvents(ScriptedUpstream.Chunk("Hel"), ScriptedUpstream.Chunk("lo"));
        await using var gateway = ReplicaSimulators.Gateway(
            new Dictionary<string, string> { ["model"] = $"Endpoint={failing.Endpoint}", ["model-1"] = fixture.Replica(1) }, "RoundRobin");
        var before = await fixture.FinishedAsync(1);

        var (status, body, replica) = await gateway.ChatAsync(ReplicaSimulators.Chat("hello", stream: true));

        Assert.Equal(200, status);
        Assert.Equal("model", replica);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("\"content\":\"Hel\"", body, StringComparison.Ordinal);
        Assert.StartsWith("data: {\"error\":", events[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("data: [DONE]", body, StringComparison.Ordinal);
        Assert.Single(failing.Requests);
        Assert.Equal(before, await fixture.FinishedAsync(1));
    }

    [Fact]
    public async Task TheOverflowReplicaIsUsedOnlyWhenThePrimariesAreDown()
    {
        var replicas = new Dictionary<string, string>
        {
            ["model"] = fixture.Replica(0),
            ["model-1"] = fixture.Replica(1),
            ["model-overflow"] = fixture.Replica(2, ";Tier=Overflow"),
        };
        var overflowBefore = await fixture.FinishedAsync(2);
        await using (var gateway = ReplicaSimulators.Gateway(replicas, "LeastLoaded"))
        {
            for (var i = 0; i < 6; i++)
            {
                var (status, body, replica) = await gateway.ChatAsync(ReplicaSimulators.Chat($"question {i}"));
                Assert.True(status == 200, body);
                Assert.NotEqual("model-overflow", replica);
            }
        }

        Assert.Equal(overflowBefore, await fixture.FinishedAsync(2));

        replicas["model"] = DeadReplica;
        replicas["model-1"] = DeadReplica.Replace(":1/", ":9/", StringComparison.Ordinal);
        await using (var gateway = ReplicaSimulators.Gateway(replicas, "LeastLoaded", new Dictionary<string, string> { ["Backend:BreakerFailureThreshold"] = "2" }))
        {
            for (var i = 0; i < 5; i++)
            {
                var (status, body, replica) = await gateway.ChatAsync(ReplicaSimulators.Chat($"question {i}"));
                Assert.True(status == 200, body);
                Assert.Equal("model-overflow", replica);
            }

            Assert.Equal("Degraded", await gateway.Client.GetStringAsync(new Uri("/health", UriKind.Relative)));
        }

        Assert.Equal(overflowBefore + 5, await fixture.FinishedAsync(2));
    }

    [Fact]
    public async Task WhenEveryReplicaIsDownTheClientGets503AndHealthIsUnhealthy()
    {
        await using var gateway = ReplicaSimulators.Gateway(
            new Dictionary<string, string> { ["model"] = DeadReplica, ["model-1"] = DeadReplica.Replace(":1/", ":9/", StringComparison.Ordinal) }, "RoundRobin",
            new Dictionary<string, string> { ["Backend:MaxRetries"] = "0" });

        var (status, body, replica) = await gateway.ChatAsync(ReplicaSimulators.Chat("hello"));

        Assert.Equal(503, status);
        Assert.Equal("The model server is unavailable; retry shortly.", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Null(replica);
        using var health = await gateway.Client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(503, (int)health.StatusCode);
        Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync());
    }
}
