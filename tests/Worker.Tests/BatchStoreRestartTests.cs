using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.TestSupport;

namespace Aspire70B.Worker.Tests;

/// <summary>
/// The batch store as the durable server it must be: a batch is submitted, part of it runs, the store is killed with
/// SIGKILL and started again on the same data directory — and every request and every result acknowledged before the
/// kill is there, the batch finishes, and each custom_id is in the output exactly once. On redis-server and Garnet.
/// </summary>
public sealed class BatchStoreRestartTests : IDisposable
{
    private const int Items = 120;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _data = Path.Combine(Path.GetTempPath(), "aspire70b-batches-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Theory]
    [InlineData(RedisKind.Redis)]
    [InlineData(RedisKind.Garnet)]
    public async Task AStoreKilledMidBatchKeepsEveryAcknowledgedItemAndResult(RedisKind kind)
    {
        await using var store = await RedisServer.StartDurableAsync(kind, _data);
        await using var simulator = await SystemProcesses.StartSimulatorAsync(timeScale: "1");
        await using var gateway = await SystemProcesses.StartGatewayAsync(simulator, cache: null, new Dictionary<string, string>
        {
            ["ConnectionStrings__batches"] = store.ConnectionString,
            ["RateLimit__PermitsPerMinute"] = "100000",
            ["RateLimit__Burst"] = "10000",
        });
        var lines = Enumerable.Range(0, Items).Select(i =>
            $$$"""{"custom_id":"item-{{{i:D3}}}","body":{"messages":[{"role":"user","content":"count {{{i}}}"}],"max_tokens":3,"temperature":0.5}}""");
        using var submitted = await Http.PostAsync(new Uri(gateway.BaseAddress, "v1/batches"), new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/jsonl"));
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await using var worker = await ServiceProcess.StartUntilOutputAsync("Worker", [], new Dictionary<string, string>
        {
            ["ConnectionStrings__batches"] = store.ConnectionString,
            ["services__apiservice__http__0"] = gateway.BaseAddress.ToString(),
            ["BatchWorker__Concurrency"] = "8",
            ["BatchWorker__PollInterval"] = "00:00:00.100",
            ["Batches__LeaseDuration"] = "00:00:03",
        }, "Batch worker running");

        await WaitForAsync(gateway, id, s => s.GetProperty("request_counts").GetProperty("completed").GetInt32() >= 20, TimeSpan.FromSeconds(240));
        // Everything read back before the kill was acknowledged by the store.
        var acknowledged = (await Http.GetStringAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}/output"))).TrimEnd('\n').Split('\n');
        await store.KillAsync();
        using (var down = await Http.GetAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        }

        await store.StartAsync();
        var afterRestart = await OutputOnceTheStoreAnswersAsync(gateway, id);
        var done = await WaitForAsync(gateway, id, s => s.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(300));
        var output = (await Http.GetStringAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}/output"))).TrimEnd('\n').Split('\n');

        Assert.True(acknowledged.Length is >= 20 and < Items, $"{acknowledged.Length} results before the kill");
        Assert.Subset(afterRestart.ToHashSet(StringComparer.Ordinal), acknowledged.ToHashSet(StringComparer.Ordinal));
        Assert.Subset(output.ToHashSet(StringComparer.Ordinal), acknowledged.ToHashSet(StringComparer.Ordinal));
        Assert.Equal(Items, done.GetProperty("request_counts").GetProperty("total").GetInt32());
        Assert.Equal(Items, done.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Equal(0, done.GetProperty("request_counts").GetProperty("failed").GetInt32());
        Assert.Equal(
            Enumerable.Range(0, Items).Select(i => $"item-{i:D3}"),
            output.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("custom_id").GetString()));
    }

    private static async Task<string[]> OutputOnceTheStoreAnswersAsync(ServiceProcess gateway, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (true)
        {
            using var response = await Http.GetAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}/output"));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (await response.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "the gateway did not reach the restarted store within 60 s");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonElement> WaitForAsync(ServiceProcess gateway, string id, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            // While the store comes back the gateway answers 503; that is expected, not a verdict.
            using var response = await Http.GetAsync(new Uri(gateway.BaseAddress, $"v1/batches/{id}"));
            last = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var status = JsonDocument.Parse(last).RootElement.Clone();
                if (condition(status))
                {
                    return status;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Batch {id} did not reach the expected state in {timeout}: {last}");
    }
}
