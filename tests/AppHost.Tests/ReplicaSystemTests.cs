using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Aspire70B.Serving.Vllm;
using Aspire70B.TestSupport;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire70B.AppHost.Tests;

/// <summary>
/// The real AppHost with <c>--replicas 2</c>: two simulators, each model its own healthy resource with its load, both
/// given to the gateway, which answers from both.
/// </summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReplicaSystemTests
{
    [Fact]
    public async Task TwoReplicasStartAsTwoHealthyModelsEachWithItsMetricsAndTheGatewayAnswersFromBoth()
    {
        // Round robin, so that four chats in a row are known to reach both replicas (the default policy follows prefixes and load).
        await using var test = await TestApp.StartAsync(["--replicas", "2", "--time-scale", "0"], builder =>
            builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "apiservice"))
                .WithEnvironment("Routing__Policy", "RoundRobin"));
        using var timeout = new CancellationTokenSource(TestApp.Bound);

        Assert.Equal(["model-1", "model-2"], test.ModelNames);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var endpoints = new List<string>();
        foreach (var name in test.ModelNames)
        {
            var model = test.Snapshot(name);
            Assert.Equal(KnownResourceStates.Running, model.State?.Text);
            Assert.Equal(HealthStatus.Healthy, model.HealthStatus);
            Assert.Equal("Primary", model.Properties.Single(p => p.Name == "aspire70b.replica.tier").Value);
            var metrics = model.Urls.Single(u => u.Name == "metrics").Url;
            Assert.Matches(@"^http://localhost:\d+/metrics$", metrics);
            endpoints.Add(metrics);
            // The figures the gateway polls, per replica: its load, its KV cache and its prefix cache (vLLM 0.11's names:
            // its KV usage is kv_cache_usage_perc; gpu_cache_usage_perc is hidden behind --show-hidden-metrics-for-version).
            var text = await http.GetStringAsync(new Uri(metrics), timeout.Token);
            foreach (var series in new[] { "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total" })
            {
                Assert.Matches(new Regex($@"(?m)^{Regex.Escape(series)}\{{[^}}]*model_name=""llama-3\.1-70b-instruct""[^}}]*\}} "), text);
            }

            var load = await test.App.ResourceCommands.ExecuteCommandAsync(name, "show-load");
            Assert.True(load.Success, load.Message);
            Assert.Matches(@"^Load: \d+ running, \d+ waiting, KV cache \d+\.\d % used, prefix cache ", await test.WaitForLogAsync(name, "Load: "));
        }

        Assert.NotEqual(endpoints[0], endpoints[1]);
        var apiservice = await test.WaitForStateAsync("apiservice", s => s == KnownResourceStates.Running);
        foreach (var replica in new[] { 1, 2 })
        {
            Assert.Matches(
                $@"^Endpoint=http://localhost:\d+;Model=llama-3\.1-70b-instruct;Tier=Primary;MaxSequences=32$",
                apiservice.EnvironmentVariables.Single(e => e.Name == $"ConnectionStrings__model-{replica}").Value);
        }

        Assert.DoesNotContain(apiservice.EnvironmentVariables, e => e.Name == "ConnectionStrings__model");

        using var gateway = test.ApiService();
        var served = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var content = new StringContent(
                $$"""{"model":"llama-3.1-70b-instruct","max_tokens":4,"messages":[{"role":"user","content":"Hello replica, chat {{i}}."}]}""",
                Encoding.UTF8, "application/json");
            using var response = await gateway.PostAsync("/v1/chat/completions", content, timeout.Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(timeout.Token));
            served.Add(response.Headers.GetValues("x-aspire70b-replica").Single());
        }

        Assert.Equal(["model-1", "model-1", "model-2", "model-2"], served.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheModalOverflowTierStartsBesideTheLocalReplicaWhichServesWhileItHasRoom()
    {
        // Modal's side: the Simulator behind proxy auth, as the endpoint 'deploy modal' stored.
        await using var endpoint = await ServiceProcess.StartUntilOutputAsync(
            "Simulator",
            ["--profile", "awq-int4-a100", "--time-scale", "0", "--modal-proxy-key", "wk-overflow", "--modal-proxy-secret", "ws-overflow"],
            new Dictionary<string, string>(),
            "Now listening on");
        using var fakes = new FakeTools();
        ModalDeployments.Open(fakes.PathOf("config")).Save("awq-int4-a100", new Uri(endpoint.BaseAddress.ToString().TrimEnd('/')));

        await using var test = await TestApp.StartAsync(
            ["--overflow", "modal", "--time-scale", "0", "--config-dir", fakes.PathOf("config"),
             "--Parameters:modal-key", "wk-overflow", "--Parameters:modal-secret", "ws-overflow"]);
        using var gateway = test.ApiService();

        Assert.Equal(["model", "model-modal"], test.ModelNames);
        Assert.Equal("Overflow", test.Snapshot("model-modal").Properties.Single(p => p.Name == "aspire70b.replica.tier").Value);
        Assert.Equal(KnownResourceStates.Running, test.Snapshot("model-modal").State?.Text);
        Assert.Empty(test.Snapshot("model-modal").HealthReports);
        // No link to Modal's /metrics: a browser cannot pass its proxy auth.
        Assert.DoesNotContain(test.Snapshot("model-modal").Urls, u => u.Name == "metrics");
        Assert.EndsWith(";Tier=Overflow;MaxSequences=32",
            test.Snapshot("apiservice").EnvironmentVariables.Single(e => e.Name == "ConnectionStrings__model-modal").Value, StringComparison.Ordinal);
        // The overflow tier is for a full or failed primary: an idle one serves every chat.
        foreach (var text in new[] { "first", "second", "third" })
        {
            Assert.Equal("model", await ReplicaOfAsync(gateway, text));
        }
    }

    private static async Task<string> ReplicaOfAsync(HttpClient gateway, string text)
    {
        using var content = new StringContent(
            $$"""{"model":"llama-3.1-70b-instruct","max_tokens":4,"messages":[{"role":"user","content":"{{text}}"}]}""", Encoding.UTF8, "application/json");
        using var response = await gateway.PostAsync("/v1/chat/completions", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return response.Headers.GetValues("x-aspire70b-replica").Single();
    }
}

