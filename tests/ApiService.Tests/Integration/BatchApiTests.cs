using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.Batches;
using Aspire70B.TestSupport;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Tests.Integration;

/// <summary>The batch routes through the gateway process, with redis-server behind; a test worker runs the items.</summary>
[Collection(GatewayTests.Name)]
public sealed class BatchApiTests(GatewayFixture fixture)
{
    private static string Jsonl(int count, string prefix = "req") => string.Join('\n', Enumerable.Range(0, count).Select(i =>
        $$$"""{"custom_id":"{{{prefix}}}-{{{i}}}","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"item {{{i}}}"}],"max_tokens":4}}"""));

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? body = null, ServiceProcess? gateway = null)
    {
        using var request = new HttpRequestMessage(method, new Uri((gateway ?? fixture.Gateway).BaseAddress, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/jsonl");
        }

        using var response = await fixture.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task ASubmittedBatchIsStoredRunByAWorkerAndReadBackAsJsonl()
    {
        var (status, batch) = await SendAsync(HttpMethod.Post, "v1/batches", Jsonl(5));

        Assert.Equal(HttpStatusCode.OK, status);
        var id = batch.GetProperty("id").GetString()!;
        Assert.StartsWith("batch_", id, StringComparison.Ordinal);
        Assert.Equal("batch", batch.GetProperty("object").GetString());
        Assert.Equal("in_progress", batch.GetProperty("status").GetString());
        Assert.Equal(5, batch.GetProperty("request_counts").GetProperty("total").GetInt32());

        // A worker's part, done here with the same store the Worker uses.
        using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var store = new BatchStore(redis.GetDatabase(), new BatchQueueOptions(), TimeProvider.System);
        var run = new List<string>();
        while (await store.LeaseAsync() is { } lease)
        {
            if (lease.BatchId != id)
            {
                continue;
            }

            run.Add(lease.CustomId);
            await store.CompleteAsync(lease, $$$"""{"custom_id":"{{{lease.CustomId}}}","response":{"status_code":200}}""", succeeded: lease.CustomId != "req-3");
        }

        var (_, finished) = await SendAsync(HttpMethod.Get, $"v1/batches/{id}");
        using var output = await fixture.Http.GetAsync(new Uri(fixture.Gateway.BaseAddress, $"v1/batches/{id}/output"));
        var lines = (await output.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');

        Assert.Equal(5, run.Count);
        Assert.Equal("completed", finished.GetProperty("status").GetString());
        Assert.Equal(4, finished.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Equal(1, finished.GetProperty("request_counts").GetProperty("failed").GetInt32());
        Assert.Equal("application/jsonl", output.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $$$"""{"custom_id":"req-{{{i}}}","response":{"status_code":200}}"""), lines);
    }

    [Fact]
    public async Task AJsonArrayIsAcceptedAndACancelledBatchSaysSo()
    {
        var array = "[" + string.Join(',', Jsonl(2).Split('\n')) + "]";
        var (_, batch) = await SendAsync(HttpMethod.Post, "v1/batches", array);
        var id = batch.GetProperty("id").GetString()!;

        var (status, cancelled) = await SendAsync(HttpMethod.Post, $"v1/batches/{id}/cancel");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(2, cancelled.GetProperty("request_counts").GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("{\"custom_id\":\"a\",\"body\":{}}\n{\"custom_id\":\"a\",\"body\":{}}", "line 2: duplicate custom_id 'a'.")]
    [InlineData("{\"custom_id\":\"a\",\"url\":\"/v1/embeddings\",\"body\":{}}", "line 1: only /v1/chat/completions is supported, got \"/v1/embeddings\".")]
    [InlineData("{\"custom_id\":\"a\"}", "line 1: 'body' must be a chat completion request object.")]
    [InlineData("{\"body\":{}}", "line 1: 'custom_id' must be a non-empty string.")]
    [InlineData("{\"custom_id\":\"a\",\"body\":{\"stream\":true}}", "line 1: batch requests cannot stream.")]
    [InlineData("{\"custom_id\":", "line 1 is not valid JSON: ")]
    [InlineData("  ", "The batch is empty.")]
    public async Task ABadBatchIs400NamingTheLineAndNothingIsStored(string input, string message)
    {
        var (status, error) = await SendAsync(HttpMethod.Post, "v1/batches", input);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(message, error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LimitsOnCountAndSizeAreEnforced()
    {
        await using var gateway = await SystemProcesses.StartGatewayAsync(fixture.Simulator, fixture.Redis.ConnectionString, new Dictionary<string, string>
        {
            ["BatchApi__MaxRequests"] = "3",
            ["BatchApi__MaxBytes"] = "2048",
        });

        var (tooMany, manyError) = await SendAsync(HttpMethod.Post, "v1/batches", Jsonl(4), gateway);
        var (tooBig, bigError) = await SendAsync(HttpMethod.Post, "v1/batches", Jsonl(2, new string('x', 2000)), gateway);
        using var upload = new MultipartFormDataContent { { new StringContent("batch"), "purpose" }, { new StringContent(Jsonl(2, new string('x', 2000))), "file", "big.jsonl" } };
        using var uploaded = await fixture.Http.PostAsync(new Uri(gateway.BaseAddress, "v1/files"), upload);
        var uploadError = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Equal("The batch has more than 3 requests.", manyError.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig);
        Assert.Equal("The request body exceeds the limit of 2,048 bytes.", bigError.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, uploaded.StatusCode);
        Assert.Equal("The request body exceeds the limit of 2,048 bytes.", uploadError.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("request_too_large", uploadError.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnUnknownBatchIs404AndWithoutRedisBatchesAre503()
    {
        var (missing, missingError) = await SendAsync(HttpMethod.Get, "v1/batches/batch_nope");
        await using var noRedis = await SystemProcesses.StartGatewayAsync(fixture.Simulator, cache: null);
        var (unavailable, unavailableError) = await SendAsync(HttpMethod.Post, "v1/batches", Jsonl(1), noRedis);

        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("No batch found with id 'batch_nope'.", missingError.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable);
        Assert.Equal("Batches need Redis: set ConnectionStrings:batches.", unavailableError.GetProperty("error").GetProperty("message").GetString());
    }
}
