using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.TestSupport;

namespace Aspire70B.Worker.Tests;

/// <summary>
/// The Worker as a real process against the gateway, the Simulator (real time, so items take a while) and a real
/// Redis or Garnet: killed with SIGKILL mid-batch and started again, it finishes the batch with every custom_id
/// exactly once in the output.
/// </summary>
public sealed class BatchCrashTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task AWorkerKilledMidBatchLosesNothingAndDuplicatesNothing(RedisKind kind)
    {
        await using var redis = await RedisServer.StartAsync(kind);
        await using var simulator = await SystemProcesses.StartSimulatorAsync(timeScale: "1");
        // The Worker and this test's polling are one loopback tenant: give it room.
        await using var gateway = await SystemProcesses.StartGatewayAsync(simulator, redis.ConnectionString, new Dictionary<string, string>
        {
            ["RateLimit__PermitsPerMinute"] = "100000",
            ["RateLimit__Burst"] = "10000",
        });
        var lines = Enumerable.Range(0, 200).Select(i =>
            $$$"""{"custom_id":"item-{{{i:D3}}}","body":{"messages":[{"role":"user","content":"count {{{i}}}"}],"max_tokens":3,"temperature":0.5}}""");
        using var submitted = await Http.PostAsync(new Uri(gateway.BaseAddress, "v1/batches"), new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/jsonl"));
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__batches"] = redis.ConnectionString,
            ["services__apiservice__http__0"] = gateway.BaseAddress.ToString(),
            ["BatchWorker__Concurrency"] = "8",
            ["BatchWorker__PollInterval"] = "00:00:00.100",
            ["Batches__LeaseDuration"] = "00:00:03",
        };

        var first = await ServiceProcess.StartUntilOutputAsync("Worker", [], environment, "Batch worker running");
        await WaitForAsync(gateway, id, s => s.GetProperty("request_counts").GetProperty("completed").GetInt32() >= 40, TimeSpan.FromSeconds(180));
        await first.KillAsync();
        var atKill = await StatusAsync(gateway, id);
        Assert.True(atKill.GetProperty("request_counts").GetProperty("completed").GetInt32() < 200, "the batch finished before the kill");
        await first.DisposeAsync();

        await using var second = await ServiceProcess.StartUntilOutputAsync("Worker", [], environment, "Batch worker running");
        var done = await WaitForAsync(gateway, id, s => s.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(240));
        var output = await Http.GetStringAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}/output"));
        var results = output.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal(200, done.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Equal(0, done.GetProperty("request_counts").GetProperty("failed").GetInt32());
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"item-{i:D3}"), results.Select(r => r.GetProperty("custom_id").GetString()));
        Assert.All(results, r =>
        {
            Assert.Equal(200, r.GetProperty("response").GetProperty("status_code").GetInt32());
            Assert.Equal("chat.completion", r.GetProperty("response").GetProperty("body").GetProperty("object").GetString());
            Assert.StartsWith("chatcmpl-", r.GetProperty("response").GetProperty("request_id").GetString(), StringComparison.Ordinal);
        });
    }

    private static async Task<JsonElement> StatusAsync(ServiceProcess gateway, string id) =>
        JsonDocument.Parse(await Http.GetStringAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}"))).RootElement.Clone();

    private static async Task<JsonElement> WaitForAsync(ServiceProcess gateway, string id, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await StatusAsync(gateway, id);
            if (condition(status))
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Batch {id} did not reach the expected state in {timeout}: {status}");
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>Items that fail are recorded as failed; the batch still completes.</summary>
public sealed class BatchItemFailureTests
{
    [Fact]
    public async Task ABadItemIsRecordedAsFailedWithItsErrorAndTheRestComplete()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var redis = await RedisServer.StartAsync(RedisKind.Redis);
        await using var simulator = await SystemProcesses.StartSimulatorAsync();
        await using var gateway = await SystemProcesses.StartGatewayAsync(simulator, redis.ConnectionString);
        const string Input = """
            {"custom_id":"good-1","body":{"messages":[{"role":"user","content":"a"}],"max_tokens":2}}
            {"custom_id":"bad","body":{"messages":[{"role":"user","content":"b"}],"temperature":-1}}
            {"custom_id":"good-2","body":{"messages":[{"role":"user","content":"c"}],"max_tokens":2}}
            """;
        using var submitted = await http.PostAsync(new Uri(gateway.BaseAddress, "v1/batches"), new StringContent(Input, Encoding.UTF8, "application/jsonl"));
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        await using var worker = await ServiceProcess.StartUntilOutputAsync("Worker", [], new Dictionary<string, string>
        {
            ["ConnectionStrings__batches"] = redis.ConnectionString,
            ["services__apiservice__http__0"] = gateway.BaseAddress.ToString(),
            ["BatchWorker__PollInterval"] = "00:00:00.100",
            ["BatchWorker__Concurrency"] = "100",
        }, "Batch worker running");

        JsonElement status;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        do
        {
            await Task.Delay(100);
            status = JsonDocument.Parse(await http.GetStringAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}"))).RootElement.Clone();
        }
        while (status.GetProperty("status").GetString() != "completed" && DateTime.UtcNow < deadline);

        var lines = (await http.GetStringAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}/output"))).TrimEnd('\n').Split('\n')
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(2, status.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Equal(1, status.GetProperty("request_counts").GetProperty("failed").GetInt32());
        Assert.Equal(["good-1", "bad", "good-2"], lines.Select(l => l.GetProperty("custom_id").GetString()));
        var bad = lines[1].GetProperty("response");
        Assert.Equal(400, bad.GetProperty("status_code").GetInt32());
        Assert.Equal("temperature must be non-negative, got -1.", bad.GetProperty("body").GetProperty("error").GetProperty("message").GetString());
        // 100 configured, capped at the profile's 32 sequences (awq-int4-a100's max_num_seqs).
        Assert.Contains("Batch worker running 32 items at a time", worker.Output, StringComparison.Ordinal);
    }
}
