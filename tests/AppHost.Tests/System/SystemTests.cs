using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.AppHost.Tests.System;

/// <summary>The default command as a real process: readiness, a streamed chat, the environment contract, telemetry.</summary>
public sealed partial class SystemTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    private const string Model = "llama-3.1-70b-instruct";

    [Fact]
    public void EveryResourceIsReadyWithinTheBoundAndListedInTheEndpointsFile()
    {
        Assert.True(system.TimeToReady < RunningSystem.ReadinessBound);
        Assert.Equal(["apiservice", "cache", "model"], system.Endpoints.Keys.Order(StringComparer.Ordinal));
        Assert.Matches(LoopbackRedis(), system.Endpoints["cache"]);
        Assert.Matches(LoopbackHttp(), system.Endpoints["model"]);
        Assert.Matches(LoopbackHttp(), system.Endpoints["apiservice"]);

        var state = system.AppHost.State();
        Assert.Equal(system.AppHost.Id, state.GetProperty("apphostPid").GetInt32());
        Assert.All(state.GetProperty("resources").EnumerateArray(), r => Assert.Equal("running", r.GetProperty("state").GetString()));
        Assert.Equal(["cache", "model", "apiservice", "worker"], state.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public void TheSummaryShowsResourcesThePlanAndACurlThatStreams()
    {
        var output = system.AppHost.Output;
        var lines = output.Split('\n');

        Assert.Contains("Cache: redis-server. redis-server found on PATH (/usr/bin/redis-server); running it without persistence.", lines);
        Assert.Single(lines, l => l.StartsWith("RESOURCE    STATE    ENDPOINT", StringComparison.Ordinal));
        Assert.Single(lines, l => Regex.IsMatch(l, $@"^apiservice  running  {Regex.Escape(system.Endpoints["apiservice"])} +\d+  ApiService/bin/(Debug|Release)/net10.0$"));
        Assert.Single(lines, l => Regex.IsMatch(l, @"^worker      running  - +\d+  Worker/bin/(Debug|Release)/net10.0$"));
        Assert.Contains(
            "Profile awq-int4-a100 (simulator): llama-3.1-70b-instruct · awq-int4 · 1 × A100-80GB · context 16,384 · 110,112 KV tokens · ~40.6 tok/s at batch 1 · vLLM starts",
            lines);
        Assert.Contains(
            $$"""  curl -N {{system.Endpoints["apiservice"]}}/v1/chat/completions -H 'Content-Type: application/json' -d '{"model":"llama-3.1-70b-instruct","stream":true,"messages":[{"role":"user","content":"Write a haiku about GPUs."}]}'""",
            lines);
        Assert.DoesNotContain("\e[", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamedChatFlowsThroughApiServiceToTheModelServer()
    {
        using var http = new HttpClient { BaseAddress = system.ApiService, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"{{Model}}","stream":true,"max_tokens":16,"messages":[{"role":"user","content":"Write a haiku about GPUs."}]}""",
                Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(global::System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(events.Length >= 3, body);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.Contains("\"object\":\"chat.completion.chunk\"", events[0], StringComparison.Ordinal);
        Assert.Contains($"\"model\":\"{Model}\"", events[0], StringComparison.Ordinal);
    }

    [Fact]
    public void EachChildIsStartedWithAspiresEnvironmentContract()
    {
        var pids = system.AppHost.ResourcePids();
        var cachePort = RunningSystem.PortOf(system.Endpoints["cache"]);
        var api = ProcessTree.EnvironmentOf(pids["apiservice"]);
        Assert.Equal($"127.0.0.1:{cachePort}", api["ConnectionStrings__cache"]);
        Assert.Equal($"127.0.0.1:{cachePort}", api["ConnectionStrings__batches"]);
        Assert.Equal($"Endpoint={system.Endpoints["model"]};Model={Model}", api["ConnectionStrings__model"]);
        Assert.Equal(system.Endpoints["apiservice"], api["ASPNETCORE_URLS"]);
        Assert.Equal("apiservice", api["OTEL_SERVICE_NAME"]);
        Assert.Equal(system.Collector.Endpoint.ToString().TrimEnd('/'), api["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("Development", api["DOTNET_ENVIRONMENT"]);
        Assert.Equal(DeploymentProfiles.Default.Name, api["Gateway__Profile"]);

        var worker = ProcessTree.EnvironmentOf(pids["worker"]);
        Assert.Equal(system.Endpoints["apiservice"], worker["services__apiservice__http__0"]);
        Assert.Equal($"127.0.0.1:{cachePort}", worker["ConnectionStrings__batches"]);
        Assert.False(worker.ContainsKey("ConnectionStrings__cache"));
        Assert.Equal("worker", worker["OTEL_SERVICE_NAME"]);
        Assert.False(worker.ContainsKey("ASPNETCORE_URLS"));

        var model = ProcessTree.EnvironmentOf(pids["model"]);
        Assert.Equal(system.Endpoints["model"], model["ASPNETCORE_URLS"]);
        Assert.Equal(DeploymentProfiles.Default.Name, model["Simulator__Profile"]);
        Assert.Equal("0", model["Simulator__TimeScale"]);
    }

    [Fact]
    public async Task TheGatewayUsesTheCacheItWasGiven()
    {
        using var http = new HttpClient { BaseAddress = system.ApiService, Timeout = TimeSpan.FromSeconds(30) };
        var body = $$"""{"model":"{{Model}}","temperature":0,"max_tokens":8,"messages":[{"role":"user","content":"cache me {{Guid.NewGuid():N}}"}]}""";

        // The gateway connects to Redis in the background; until then it serves without the cache ("bypass").
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string first;
        do
        {
            first = await CacheHeaderAsync(http, body);
        }
        while (first != "miss" && DateTime.UtcNow < deadline && await Delay());

        Assert.Equal("miss", first);
        Assert.Equal("hit", await CacheHeaderAsync(http, body));
    }

    [Fact]
    public async Task ApiServiceExportsItsTelemetryToTheOtlpEndpointTheAppHostWasGiven()
    {
        using var http = new HttpClient { BaseAddress = system.ApiService, Timeout = TimeSpan.FromSeconds(30) };
        await CacheHeaderAsync(http, $$"""{"model":"{{Model}}","max_tokens":4,"messages":[{"role":"user","content":"trace me"}]}""");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!system.Collector.Received("/v1/traces", "apiservice", "Aspire70B.ApiService") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(system.Collector.Received("/v1/traces", "apiservice", "Aspire70B.ApiService"), "no ApiService span reached the collector");
        Assert.True(system.Collector.Received("/v1/traces", "model", "Microsoft.AspNetCore"), "no Simulator span reached the collector");
    }

    private static async Task<string> CacheHeaderAsync(HttpClient http, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var response = await http.PostAsync(new Uri("v1/chat/completions", UriKind.Relative), content);
        Assert.Equal(global::System.Net.HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-cache").Single();
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }

    [GeneratedRegex(@"^redis://127\.0\.0\.1:\d+$")]
    private static partial Regex LoopbackRedis();

    [GeneratedRegex(@"^http://127\.0\.0\.1:\d+$")]
    private static partial Regex LoopbackHttp();
}
