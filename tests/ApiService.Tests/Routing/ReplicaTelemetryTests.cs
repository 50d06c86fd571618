using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Aspire70B.ApiService.Tests.Telemetry;
using Aspire70B.TestSupport;

namespace Aspire70B.ApiService.Tests.Routing;

/// <summary>
/// Which replica served a chat, as the client, the spans and the metrics tell it: two replicas (both the telemetry
/// fixture's Simulator, so each is real) behind an in-memory gateway whose telemetry goes to the in-memory exporters.
/// </summary>
[Collection(TelemetryGatewayTests.Name)]
public sealed class ReplicaTelemetryTests(TelemetryGateway fixture)
{
    [Fact]
    public async Task TheReplicaIsTheHeaderAndTheSpanAttributeAndTheRoutedCounterButNotOnACacheHit()
    {
        await using var gateway = new TracedGateway(new Dictionary<string, string>
        {
            ["ConnectionStrings:model"] = $"Endpoint={fixture.Simulator.BaseAddress};Model={SystemProcesses.Model}",
            ["ConnectionStrings:model-1"] = $"Endpoint=http://localhost:{fixture.Simulator.Port}/;Model={SystemProcesses.Model}",
            ["ConnectionStrings:cache"] = fixture.Cache.ConnectionString,
            ["ConnectionStrings:batches"] = fixture.Cache.ConnectionString,
            ["Gateway:Profile"] = SystemProcesses.Profile,
            ["Routing:Policy"] = "RoundRobin",
            ["RateLimit:PermitsPerMinute"] = "100000",
            ["RateLimit:Burst"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await gateway.WaitUntilHealthyAsync();
        var cacheable = Body($"Cache me ({Guid.NewGuid():N})", temperature: 0);

        var first = await SendAsync(gateway, cacheable);
        var second = await SendAsync(gateway, Body($"Other ({Guid.NewGuid():N})", temperature: 0.7));
        var hit = await SendAsync(gateway, cacheable);

        Assert.Equal(("miss", "model"), (first.Cache, first.Replica));
        Assert.Equal(("bypass", "model-1"), (second.Cache, second.Replica));
        Assert.Equal(("hit", (string?)null), (hit.Cache, hit.Replica));

        foreach (var (id, replica, host) in new[] { (first.Id, "model", "127.0.0.1"), (second.Id, "model-1", "localhost") })
        {
            var chat = await gateway.ChatSpanAsync(id);
            Assert.Equal(replica, chat.GetTagItem("aspire70b.model.replica"));
            var completion = Assert.Single(await gateway.ChildrenAsync(chat, 1));
            Assert.Equal((replica, host, fixture.Simulator.Port),
                (completion.GetTagItem("aspire70b.model.replica"), completion.GetTagItem("server.address"), completion.GetTagItem("server.port")));
        }

        var hitSpan = await gateway.ChatSpanAsync(hit.Id);
        Assert.Null(hitSpan.GetTagItem("aspire70b.model.replica"));

        var points = gateway.Metrics();
        Assert.Equal(
            [("model", "round_robin", 1.0), ("model-1", "round_robin", 1.0)],
            points.Where(p => p.Instrument == "aspire70b.routing.requests")
                .Select(p => ((string)p.Tags["aspire70b.replica"]!, (string)p.Tags["aspire70b.routing.reason"]!, p.Sum)).Order());
        Assert.Equal(
            [("model", 0.0), ("model-1", 0.0)],
            points.Where(p => p.Instrument == "aspire70b.replica.requests.in_flight").Select(p => ((string)p.Tags["aspire70b.replica"]!, p.Sum)).Order());
        // The polled gauges: the Simulator is up, so its /metrics has been read (at start, then every second).
        Assert.Equal(
            ["model", "model-1"],
            points.Where(p => p.Instrument == "aspire70b.replica.kv_cache.usage").Select(p => (string)p.Tags["aspire70b.replica"]!).Order());
    }

    private static string Body(string content, double temperature) => JsonSerializer.Serialize(new
    {
        model = SystemProcesses.Model,
        messages = new[] { new { role = "user", content } },
        max_tokens = 8,
        temperature,
    });

    private static async Task<(string Id, string? Cache, string? Replica)> SendAsync(TracedGateway gateway, string body)
    {
        using var response = await gateway.Client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        string? Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
        return (JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!, Header("x-cache"), Header("x-aspire70b-replica"));
    }
}
