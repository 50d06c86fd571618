using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.Hosting.Vllm;
using Xunit.Abstractions;

namespace Aspire70B.AppHost.Tests;

/// <summary>The whole system under Aspire.Hosting.Testing: health, a streamed chat, the cache, a batch, the dashboard commands.</summary>
[Collection(SharedSystem.Name)]
public sealed class SystemTests(RunningSystem system, ITestOutputHelper output)
{
    private const string Model = "llama-3.1-70b-instruct";

    private TestApp Test => system.Test;

    [Fact]
    public void EveryResourceIsHealthyAndTheModelIsAChildOfItsServer()
    {
        output.WriteLine($"start to every resource healthy: {Test.TimeToHealthy.TotalSeconds:0.0} s");
        foreach (var name in new[] { "cache", "batches", "model", "apiservice" })
        {
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, Test.Snapshot(name).HealthStatus);
        }

        var model = Test.Snapshot("model");
        Assert.Equal(KnownResourceStates.Running, model.State?.Text);
        Assert.Equal("awq-int4-a100", model.Properties.Single(p => p.Name == "vllm.profile").Value);
        Assert.Equal("Simulator", model.Properties.Single(p => p.Name == "vllm.server").Value);
        Assert.Same(Test.Resource<IResource>("vllm"), Test.Resource<VllmModelResource>("model").Parent);
    }

    [Fact]
    public async Task TheModelsConnectionStringReachesTheGateway()
    {
        var model = Test.Resource<VllmModelResource>("model");
        var connectionString = await model.ConnectionStringExpression.GetValueAsync(default);
        var apiservice = Test.Snapshot("apiservice");

        Assert.Matches(@"^Endpoint=http://localhost:\d+;Model=llama-3\.1-70b-instruct$", connectionString);
        Assert.Equal(connectionString, apiservice.EnvironmentVariables.Single(e => e.Name == "ConnectionStrings__model").Value);
        Assert.Equal("awq-int4-a100", apiservice.EnvironmentVariables.Single(e => e.Name == "Gateway__Profile").Value);
        Assert.Contains(apiservice.EnvironmentVariables, e => e.Name == "ConnectionStrings__cache");
        Assert.Contains(apiservice.EnvironmentVariables, e => e.Name == "ConnectionStrings__batches");
        Assert.NotEqual(
            apiservice.EnvironmentVariables.Single(e => e.Name == "ConnectionStrings__cache").Value,
            apiservice.EnvironmentVariables.Single(e => e.Name == "ConnectionStrings__batches").Value);
    }

    [Fact]
    public async Task AStreamedChatFlowsThroughApiServiceToTheModel()
    {
        using var http = Test.ApiService();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{Model}}","stream":true,"max_tokens":16,"messages":[{"role":"user","content":"Write a haiku about GPUs."}]}""", Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(events.Length >= 3, body);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.Contains($"\"model\":\"{Model}\"", events[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABatchRunsThroughTheWorker()
    {
        using var http = Test.ApiService();
        var jsonl = string.Join('\n', Enumerable.Range(0, 5).Select(i =>
            $$$"""{"custom_id":"item-{{{i}}}","body":{"messages":[{"role":"user","content":"count {{{i}}}"}],"max_tokens":3}}"""));
        using var created = await http.PostAsync("/v1/batches", new StringContent(jsonl, Encoding.UTF8, "application/jsonl"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var timeout = new CancellationTokenSource(TestApp.Bound);
        string status;
        do
        {
            await Task.Delay(200, timeout.Token);
            using var batch = JsonDocument.Parse(await http.GetStringAsync($"/v1/batches/{id}", timeout.Token));
            status = batch.RootElement.GetProperty("status").GetString()!;
        }
        while (status is not ("completed" or "failed" or "cancelled"));

        Assert.Equal("completed", status);
        var results = (await http.GetStringAsync($"/v1/batches/{id}/output")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["item-0", "item-1", "item-2", "item-3", "item-4"], results.Select(r => r.GetProperty("custom_id").GetString()).Order());
        Assert.All(results, r => Assert.Equal(200, r.GetProperty("response").GetProperty("status_code").GetInt32()));
    }

    [Fact]
    public async Task FlushPromptCacheDropsCachedAnswersAndNothingElse()
    {
        using var http = Test.ApiService();
        var body = $$"""{"model":"{{Model}}","temperature":0,"max_tokens":4,"messages":[{"role":"user","content":"flush me {{Guid.NewGuid():N}}"}]}""";
        Assert.Equal("miss", await CacheHeaderUntilConnectedAsync(http, body));
        Assert.Equal("hit", await CacheHeaderAsync(http, body));
        var cache = await Test.Resource<IResourceWithConnectionString>("cache").ConnectionStringExpression.GetValueAsync(default);
        await Resp.CommandAsync(cache!, "SET", "aspire70b:not-a-prompt", "kept");

        var result = await Test.App.ResourceCommands.ExecuteCommandAsync("cache", "flush-prompt-cache");

        Assert.True(result.Success, result.Message);
        Assert.Equal("miss", await CacheHeaderAsync(http, body));
        Assert.Equal("$4\r\nkept\r\n", await Resp.CommandAsync(cache!, "GET", "aspire70b:not-a-prompt"));
        Assert.Contains("keys under aspire70b:prompt-cache:* deleted; nothing else touched.", await Test.WaitForLogAsync("cache", "Flushed the prompt cache"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowPlanWritesThePlanToTheModelsLogAndWarmUpTimesOneToken()
    {
        var plan = await Test.App.ResourceCommands.ExecuteCommandAsync("model", "show-plan");
        Assert.True(plan.Success, plan.Message);
        Assert.StartsWith(
            "Plan for awq-int4-a100: 1 × A100-80GB, weights 37.",
            await Test.WaitForLogAsync("model", "Plan for awq-int4-a100"),
            StringComparison.Ordinal);

        var warm = await Test.App.ResourceCommands.ExecuteCommandAsync("model", "warm-up");
        Assert.True(warm.Success, warm.Message);
        Assert.Matches(@"^Warm-up: one token in \d+ ms\.$", await Test.WaitForLogAsync("model", "Warm-up"));
    }

    [Fact]
    public void TheCachesChoiceIsShownWithItsReason()
    {
        var cache = Test.Snapshot("cache").Properties.Single(p => p.Name == "cache.choice").Value as string;
        Assert.Matches(@"^(redis-server|garnet): .+\.$", cache);
    }

    internal static async Task<string> CacheHeaderAsync(HttpClient http, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/v1/chat/completions", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-cache").Single();
    }

    /// <summary>The gateway connects to Redis in the background; until then it serves without the cache ("bypass").</summary>
    internal static async Task<string> CacheHeaderUntilConnectedAsync(HttpClient http, string body)
    {
        using var timeout = new CancellationTokenSource(TestApp.Bound);
        string header;
        while ((header = await CacheHeaderAsync(http, body)) == "bypass")
        {
            await Task.Delay(200, timeout.Token);
        }

        return header;
    }
}
