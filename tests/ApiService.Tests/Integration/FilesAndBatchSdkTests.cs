// The OpenAI SDK marks its batch client experimental (OPENAI001); it is the client this flow is meant for.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.TestSupport;
using OpenAI;
using OpenAI.Batch;
using OpenAI.Files;
using Microsoft.Extensions.Time.Testing;

namespace Aspire70B.ApiService.Tests.Integration;

/// <summary>
/// OpenAI's batch flow with the official .NET SDK's file and batch clients, end to end over loopback: upload a JSONL
/// file, create a batch from it, a real Worker runs it, read the output and error files, list, cancel, delete.
/// </summary>
[Collection(GatewayTests.Name)]
public sealed class FilesAndBatchSdkTests(GatewayFixture fixture)
{
    private const string Input = """
        {"custom_id":"good-1","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"a"}],"max_tokens":2}}
        {"custom_id":"bad","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"b"}],"temperature":-1}}
        {"custom_id":"good-2","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"c"}],"max_tokens":2}}
        """;

    private OpenAIClientOptions Options() => new()
    {
        Endpoint = new Uri(fixture.Gateway.BaseAddress, "v1"),
        NetworkTimeout = TimeSpan.FromSeconds(60),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    };

    private OpenAIFileClient Files() => new OpenAIClient(new ApiKeyCredential("unused"), Options()).GetOpenAIFileClient();

    private BatchClient Batches() => new OpenAIClient(new ApiKeyCredential("unused"), Options()).GetBatchClient();

    private static BinaryContent CreateBody(string fileId, string endpoint = "/v1/chat/completions", string window = "24h") =>
        BinaryContent.Create(BinaryData.FromString($$$"""{"input_file_id":"{{{fileId}}}","endpoint":"{{{endpoint}}}","completion_window":"{{{window}}}","metadata":{"job":"nightly"}}"""));

    private static JsonElement Json(ClientResult result) => JsonDocument.Parse(result.GetRawResponse().Content.ToString()).RootElement.Clone();

    [Fact]
    public async Task TheSdksFileAndBatchFlowRunsToOutputAndErrorFiles()
    {
        var files = Files();
        var batches = Batches();

        OpenAIFile uploaded = await files.UploadFileAsync(BinaryData.FromString(Input), "requests.jsonl", FileUploadPurpose.Batch);
        OpenAIFile fetched = await files.GetFileAsync(uploaded.Id);
        var operation = await batches.CreateBatchAsync(CreateBody(uploaded.Id), waitUntilCompleted: false);
        var created = Json(await operation.GetBatchAsync(null));

        Assert.StartsWith("file-", uploaded.Id, StringComparison.Ordinal);
        Assert.Equal("requests.jsonl", fetched.Filename);
        Assert.Equal(FilePurpose.Batch, fetched.Purpose);
        Assert.Equal(Encoding.UTF8.GetByteCount(Input), fetched.SizeInBytes);
        Assert.Equal("in_progress", created.GetProperty("status").GetString());
        Assert.Equal(uploaded.Id, created.GetProperty("input_file_id").GetString());
        Assert.Equal("/v1/chat/completions", created.GetProperty("endpoint").GetString());
        Assert.Equal("nightly", created.GetProperty("metadata").GetProperty("job").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("output_file_id").ValueKind);

        await using (var worker = await StartWorkerAsync())
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await operation.WaitForCompletionAsync(timeout.Token);
        }

        var done = Json(await batches.GetBatchAsync(operation.BatchId, null));
        var output = (await files.DownloadFileAsync(done.GetProperty("output_file_id").GetString()!)).Value.ToString().TrimEnd('\n').Split('\n');
        var errors = (await files.DownloadFileAsync(done.GetProperty("error_file_id").GetString()!)).Value.ToString().TrimEnd('\n').Split('\n');
        OpenAIFile outputFile = await files.GetFileAsync(done.GetProperty("output_file_id").GetString()!);

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(3, done.GetProperty("request_counts").GetProperty("total").GetInt32());
        Assert.Equal(2, done.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Equal(1, done.GetProperty("request_counts").GetProperty("failed").GetInt32());
        Assert.True(done.GetProperty("completed_at").GetInt64() >= done.GetProperty("created_at").GetInt64());
        Assert.Equal(["good-1", "good-2"], output.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("custom_id").GetString()));
        Assert.All(output, l => Assert.Equal(200, JsonDocument.Parse(l).RootElement.GetProperty("response").GetProperty("status_code").GetInt32()));
        Assert.Equal(["bad"], errors.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("custom_id").GetString()));
        Assert.Equal(400, JsonDocument.Parse(errors[0]).RootElement.GetProperty("response").GetProperty("status_code").GetInt32());
        Assert.Equal(Encoding.UTF8.GetByteCount(string.Join("", output.Select(l => l + "\n"))), outputFile.SizeInBytes);

        // The typed listing finds it; the file goes on delete.
        var listed = new List<BatchJob>();
        await foreach (var job in batches.GetBatchesAsync(new BatchCollectionOptions { PageSizeLimit = 1 }))
        {
            listed.Add(job);
        }

        FileDeletionResult deleted = await files.DeleteFileAsync(uploaded.Id);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => files.GetFileAsync(uploaded.Id));

        Assert.Contains(listed, j => j.Id == operation.BatchId && j.InputFileId == uploaded.Id && j.OutputFileId == done.GetProperty("output_file_id").GetString());
        Assert.Equal(listed.Count, listed.Select(j => j.Id).Distinct().Count());
        Assert.True(deleted.Deleted);
        Assert.Equal(404, gone.Status);
    }

    [Fact]
    public async Task ABatchCancelledBeforeAnyItemRunsIsCancelledAndListedNewestFirst()
    {
        var files = Files();
        var batches = Batches();
        OpenAIFile uploaded = await files.UploadFileAsync(BinaryData.FromString(Input), "cancel.jsonl", FileUploadPurpose.Batch);
        var first = await batches.CreateBatchAsync(CreateBody(uploaded.Id), waitUntilCompleted: false);
        var second = await batches.CreateBatchAsync(CreateBody(uploaded.Id), waitUntilCompleted: false);

        var cancelled = Json(await second.CancelAsync(null));
        await first.CancelAsync(null);
        var page = await HttpGetAsync("v1/batches?limit=1");
        var next = await HttpGetAsync($"v1/batches?limit=1&after={page.GetProperty("last_id").GetString()}");

        var errors = (await files.DownloadFileAsync(cancelled.GetProperty("error_file_id").GetString()!)).Value.ToString().TrimEnd('\n').Split('\n')
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
        var again = (await files.DownloadFileAsync(cancelled.GetProperty("error_file_id").GetString()!)).Value.ToString();

        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.True(cancelled.GetProperty("cancelled_at").GetInt64() >= cancelled.GetProperty("cancelling_at").GetInt64());
        Assert.Equal(JsonValueKind.Null, cancelled.GetProperty("output_file_id").ValueKind);
        // Every request that never ran is in the error file, in submission order, as OpenAI reports it.
        Assert.Equal(["good-1", "bad", "good-2"], errors.Select(e => e.GetProperty("custom_id").GetString()));
        Assert.All(errors, e => Assert.Equal(JsonValueKind.Null, e.GetProperty("response").ValueKind));
        Assert.All(errors, e => Assert.Equal("batch_cancelled", e.GetProperty("error").GetProperty("code").GetString()));
        Assert.All(errors, e => Assert.StartsWith("batch_req_", e.GetProperty("id").GetString(), StringComparison.Ordinal));
        Assert.Equal(string.Join("", errors.Select(e => e.GetRawText() + "\n")), again);
        Assert.Equal("list", page.GetProperty("object").GetString());
        Assert.Equal(second.BatchId, page.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.True(page.GetProperty("has_more").GetBoolean());
        Assert.Equal(first.BatchId, next.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task ABatchStillUnansweredAfterItsWindowIsExpiredWithBatchExpiredErrors()
    {
        // A batch created 25 hours ago in the gateway's store and never run (no worker): its window has passed.
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var then = DateTimeOffset.UtcNow - TimeSpan.FromHours(25);
        var store = new Aspire70B.Batches.BatchStore(redis.GetDatabase(), new Aspire70B.Batches.BatchQueueOptions(), new FakeTimeProvider(then));
        var batchId = "batch_expiry_" + Guid.NewGuid().ToString("N");
        await store.CreateAsync(batchId, [KeyValuePair.Create("first", "{}"), KeyValuePair.Create("second", "{}"), KeyValuePair.Create("third", "{}")], "local");

        var expired = Json(await Batches().GetBatchAsync(batchId, null));
        var errors = (await Files().DownloadFileAsync(expired.GetProperty("error_file_id").GetString()!)).Value.ToString().TrimEnd('\n').Split('\n')
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

        Assert.Equal("expired", expired.GetProperty("status").GetString());
        Assert.Equal(then.ToUnixTimeSeconds() + 86_400, expired.GetProperty("expires_at").GetInt64());
        Assert.InRange(expired.GetProperty("expired_at").GetInt64(), then.ToUnixTimeSeconds() + 86_400, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal((3, 0, 0), (expired.GetProperty("request_counts").GetProperty("total").GetInt32(), expired.GetProperty("request_counts").GetProperty("completed").GetInt32(), expired.GetProperty("request_counts").GetProperty("failed").GetInt32()));
        Assert.Equal(JsonValueKind.Null, expired.GetProperty("output_file_id").ValueKind);
        Assert.Equal(["first", "second", "third"], errors.Select(e => e.GetProperty("custom_id").GetString()));
        Assert.All(errors, e => Assert.Equal("batch_expired", e.GetProperty("error").GetProperty("code").GetString()));
        Assert.All(errors, e => Assert.Equal("This request could not be executed before the completion window expired.", e.GetProperty("error").GetProperty("message").GetString()));
    }

    [Fact]
    public async Task UploadedFilesAreListedNewestFirstWithOpenAIsPaging()
    {
        var files = Files();
        OpenAIFile older = await files.UploadFileAsync(BinaryData.FromString(Input), "older.jsonl", FileUploadPurpose.Batch);
        OpenAIFile newer = await files.UploadFileAsync(BinaryData.FromString(Input), "newer.jsonl", FileUploadPurpose.Batch);

        OpenAIFileCollection listed = await files.GetFilesAsync(FilePurpose.Batch);
        var page = await HttpGetAsync("v1/files?limit=1");
        var next = await HttpGetAsync($"v1/files?limit=1&after={page.GetProperty("last_id").GetString()}");
        var oldestFirst = await HttpGetAsync("v1/files?order=asc&limit=10000");
        await files.DeleteFileAsync(newer.Id);
        var afterDelete = await HttpGetAsync("v1/files?limit=1");
        using var badLimit = await fixture.Http.GetAsync(new Uri(fixture.Gateway.BaseAddress, "v1/files?limit=0"));
        using var badOrder = await fixture.Http.GetAsync(new Uri(fixture.Gateway.BaseAddress, "v1/files?order=sideways"));

        Assert.True(listed.Select(f => f.Id).ToList().IndexOf(newer.Id) < listed.Select(f => f.Id).ToList().IndexOf(older.Id));
        Assert.Contains(listed, f => f.Id == older.Id && f.Filename == "older.jsonl" && f.Purpose == FilePurpose.Batch);
        Assert.Equal(newer.Id, page.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal(newer.Id, page.GetProperty("first_id").GetString());
        Assert.True(page.GetProperty("has_more").GetBoolean());
        Assert.Equal(older.Id, next.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal([older.Id, newer.Id], oldestFirst.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()).TakeLast(2));
        Assert.False(oldestFirst.GetProperty("has_more").GetBoolean());
        Assert.Equal(older.Id, afterDelete.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal("limit", JsonDocument.Parse(await badLimit.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badOrder.StatusCode);
        Assert.Equal("Invalid value for 'order': 'sideways'. Supported values are: 'asc' and 'desc'.", JsonDocument.Parse(await badOrder.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnUploadIsCheckedLineByLineWithOpenAIsErrors()
    {
        var files = Files();

        var badLine = await Assert.ThrowsAsync<ClientResultException>(() => files.UploadFileAsync(BinaryData.FromString("{\"custom_id\":\"a\",\"body\":{}}\n{\"custom_id\":"), "bad.jsonl", FileUploadPurpose.Batch));
        var badPurpose = await Assert.ThrowsAsync<ClientResultException>(() => files.UploadFileAsync(BinaryData.FromString(Input), "x.jsonl", FileUploadPurpose.FineTune));

        Assert.Equal(400, badLine.Status);
        Assert.StartsWith("line 2 is not valid JSON: ", Error(badLine).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, badPurpose.Status);
        Assert.Equal("Invalid value for 'purpose': 'fine-tune'. Supported values are: 'batch'.", Error(badPurpose).GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/v1/embeddings", "24h", "Invalid value for 'endpoint': \"/v1/embeddings\". Supported values are: '/v1/chat/completions'.", "endpoint")]
    [InlineData("/v1/chat/completions", "1h", "Invalid value for 'completion_window': \"1h\". Supported values are: '24h'.", "completion_window")]
    public async Task ABatchNeedsTheChatEndpointAndA24HourWindow(string endpoint, string window, string message, string param)
    {
        OpenAIFile uploaded = await Files().UploadFileAsync(BinaryData.FromString(Input), "r.jsonl", FileUploadPurpose.Batch);

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Batches().CreateBatchAsync(CreateBody(uploaded.Id, endpoint, window), waitUntilCompleted: false));

        Assert.Equal(400, refused.Status);
        Assert.Equal(message, Error(refused).GetProperty("message").GetString());
        Assert.Equal(param, Error(refused).GetProperty("param").GetString());
    }

    [Fact]
    public async Task ABatchFromAFileThatDoesNotExistIs404()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Batches().CreateBatchAsync(CreateBody("file-nope"), waitUntilCompleted: false));

        Assert.Equal(404, refused.Status);
        Assert.Equal("No such File object: file-nope", Error(refused).GetProperty("message").GetString());
    }

    private static JsonElement Error(ClientResultException e) =>
        JsonDocument.Parse(e.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error").Clone();

    private async Task<JsonElement> HttpGetAsync(string path)
    {
        using var response = await fixture.Http.GetAsync(new Uri(fixture.Gateway.BaseAddress, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private Task<ServiceProcess> StartWorkerAsync() => ServiceProcess.StartUntilOutputAsync("Worker", [], new Dictionary<string, string>
    {
        ["ConnectionStrings__batches"] = fixture.Redis.ConnectionString,
        ["services__apiservice__http__0"] = fixture.Gateway.BaseAddress.ToString(),
        ["BatchWorker__PollInterval"] = "00:00:00.100",
    }, "Batch worker running");
}
