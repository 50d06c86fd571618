using System.Text;
using System.Text.Json;
using Aspire70B.ApiService.Batches;
using Aspire70B.ApiService.Chat;
using Aspire70B.ApiService.Errors;
using Aspire70B.Batches;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Apis;

/// <summary>
/// The OpenAI Batch API's shape for chat completions: submit, look up, read the output (JSONL), cancel. The Worker
/// runs the requests; the routes only store and report.
/// </summary>
internal static class BatchApi
{
    public static RouteGroupBuilder MapBatchApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/batches", CreateAsync);
        v1.MapGet("/batches/{id}", GetAsync);
        v1.MapGet("/batches/{id}/output", OutputAsync);
        v1.MapPost("/batches/{id}/cancel", CancelAsync);
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, BatchConnection connection, IOptions<BatchApiOptions> options, IOptions<BatchQueueOptions> queue, TimeProvider time)
    {
        return await Guard(async () =>
        {
            var body = await ChatBodyReader.ReadBytesAsync(context.Request, options.Value.MaxBytes, context.RequestAborted);
            var requests = BatchInputParser.Parse(body, options.Value.MaxRequests);
            var store = new BatchStore(await connection.DatabaseAsync(), queue.Value, time);
            var status = await store.CreateAsync("batch_" + Guid.NewGuid().ToString("N"), requests, Tenant(context));
            return Batch(status);
        });
    }

    private static Task<IResult> GetAsync(string id, HttpContext context, BatchConnection connection, IOptions<BatchQueueOptions> queue, TimeProvider time) =>
        Guard(async () =>
        {
            var store = new BatchStore(await connection.DatabaseAsync(), queue.Value, time);
            return await OwnedAsync(store, id, context) is { } status ? Batch(status) : NotFound(id);
        });

    private static Task<IResult> CancelAsync(string id, HttpContext context, BatchConnection connection, IOptions<BatchQueueOptions> queue, TimeProvider time) =>
        Guard(async () =>
        {
            var store = new BatchStore(await connection.DatabaseAsync(), queue.Value, time);
            return await OwnedAsync(store, id, context) is null ? NotFound(id) : Batch((await store.CancelAsync(id))!);
        });

    private static Task<IResult> OutputAsync(string id, HttpContext context, BatchConnection connection, IOptions<BatchQueueOptions> queue, TimeProvider time) =>
        Guard(async () =>
        {
            var store = new BatchStore(await connection.DatabaseAsync(), queue.Value, time);
            if (await OwnedAsync(store, id, context) is null)
            {
                return NotFound(id);
            }

            context.Response.ContentType = "application/jsonl";
            await foreach (var line in store.ReadResultsAsync(id))
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), context.RequestAborted);
            }

            return Results.Empty;
        });

    private static string Tenant(HttpContext context) => context.User.Identity?.Name ?? Security.ApiKeyAuthenticationHandler.LocalTenant;

    /// <summary>The batch, if it exists and belongs to the caller: another key's batch is as good as absent.</summary>
    private static async Task<BatchStatus?> OwnedAsync(BatchStore store, string id, HttpContext context) =>
        await store.GetAsync(id) is { } status && (status.Owner ?? Security.ApiKeyAuthenticationHandler.LocalTenant) == Tenant(context) ? status : null;

    private static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (OpenAIErrorException e)
        {
            return OpenAIErrorResult.From(e);
        }
        catch (Exception e) when (e is BatchStoreUnavailableException or RedisException or TimeoutException)
        {
            return new OpenAIErrorResult(OpenAIError.Unavailable(e is BatchStoreUnavailableException ? e.Message : "The batch store (Redis) failed; retry shortly."), TimeSpan.FromSeconds(5));
        }
    }

    private static OpenAIErrorResult NotFound(string id) => new(new OpenAIError(404, $"No batch found with id '{id}'.", OpenAIError.InvalidRequest, "batch_id"));

    /// <summary>The batch object of OpenAI's Batch API.</summary>
    private static IResult Batch(BatchStatus status) => Results.Stream(async stream =>
    {
        await using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("id", status.Id);
        w.WriteString("object", "batch");
        w.WriteString("endpoint", "/v1/chat/completions");
        w.WriteNull("errors");
        w.WriteNull("input_file_id");
        w.WriteString("completion_window", "24h");
        w.WriteString("status", status.Status);
        w.WriteNull("output_file_id");
        w.WriteNull("error_file_id");
        w.WriteNumber("created_at", status.CreatedAt);
        w.WriteNumber("expires_at", status.ExpiresAt);
        w.WriteStartObject("request_counts");
        w.WriteNumber("total", status.Total);
        w.WriteNumber("completed", status.Completed);
        w.WriteNumber("failed", status.Failed);
        w.WriteEndObject();
        w.WriteNull("metadata");
        w.WriteEndObject();
        await w.FlushAsync();
    }, "application/json");
}
