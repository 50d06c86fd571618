using System.Text;
using Aspire70B.ApiService.Batches;
using Aspire70B.ApiService.Chat;
using Aspire70B.ApiService.Errors;
using Aspire70B.Batches;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Apis;

/// <summary>
/// OpenAI's Batch API for chat completions: create from an uploaded file (<c>input_file_id</c>), look up, list, cancel;
/// results are read through the Files API (<c>output_file_id</c>, <c>error_file_id</c>). A JSONL body posted directly
/// is a shortcut that skips the upload, with its output at <c>/v1/batches/{id}/output</c>. The Worker runs the
/// requests; the routes only store and report.
/// </summary>
internal static class BatchApi
{
    public static RouteGroupBuilder MapBatchApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/batches", CreateAsync);
        v1.MapGet("/batches", ListAsync);
        v1.MapGet("/batches/{id}", GetAsync);
        v1.MapGet("/batches/{id}/output", OutputAsync);
        v1.MapPost("/batches/{id}/cancel", CancelAsync);
        return v1;
    }

    private static Task<IResult> CreateAsync(HttpContext context, BatchStores stores, IOptions<BatchApiOptions> options) =>
        BatchStores.Guard(async () =>
        {
            var body = await ChatBodyReader.ReadBytesAsync(context.Request, options.Value.MaxBytes, context.RequestAborted);
            var tenant = BatchStores.Tenant(context);
            var batchId = "batch_" + Guid.NewGuid().ToString("N");
            if (BatchCreateRequest.TryRead(body) is { } create)
            {
                var files = await stores.FilesAsync();
                if (await files.GetAsync(create.InputFileId) is not { } file || !BatchStores.Owns(context, file.Owner))
                {
                    throw new OpenAIErrorException(new OpenAIError(404, $"No such File object: {create.InputFileId}", OpenAIError.InvalidRequest, "input_file_id"));
                }

                if (file.Purpose != "batch")
                {
                    throw new OpenAIErrorException(OpenAIError.BadRequest($"File {file.Id} has purpose '{file.Purpose}'; a batch reads a file with purpose 'batch'.", "input_file_id"));
                }

                var content = await files.ReadAsync(file.Id) ?? throw new OpenAIErrorException(new OpenAIError(404, $"No such File object: {file.Id}", OpenAIError.InvalidRequest, "input_file_id"));
                var fromFile = BatchInputParser.Parse(content, options.Value.MaxRequests);
                var created = await (await stores.BatchesAsync()).CreateAsync(batchId, fromFile, tenant, new BatchSource(file.Id, create.MetadataJson));
                return BatchObjects.Json(w => BatchObjects.WriteBatch(w, created));
            }

            var requests = BatchInputParser.Parse(body, options.Value.MaxRequests);
            var status = await (await stores.BatchesAsync()).CreateAsync(batchId, requests, tenant);
            return BatchObjects.Json(w => BatchObjects.WriteBatch(w, status));
        });

    /// <summary>The caller's batches, newest first, <c>limit</c> (1–100, default 20) at a time after the batch <c>after</c>.</summary>
    private static Task<IResult> ListAsync(HttpContext context, BatchStores stores, string? after, string? limit) =>
        BatchStores.Guard(async () =>
        {
            var size = 20;
            if (limit is not null && !(int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) && size is >= 1 and <= 100))
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest("'limit' must be an integer from 1 to 100.", "limit"));
            }

            var (batches, hasMore) = await (await stores.BatchesAsync()).ListAsync(BatchStores.Tenant(context), after, size);
            return BatchObjects.Json(w => BatchObjects.WriteList(w, batches, b => b.Id, BatchObjects.WriteBatch, hasMore));
        });

    private static Task<IResult> GetAsync(string id, HttpContext context, BatchStores stores) =>
        BatchStores.Guard(async () =>
            await stores.OwnedBatchAsync(id, context) is { } status ? BatchObjects.Json(w => BatchObjects.WriteBatch(w, status)) : NotFound(id));

    private static Task<IResult> CancelAsync(string id, HttpContext context, BatchStores stores) =>
        BatchStores.Guard(async () =>
        {
            if (await stores.OwnedBatchAsync(id, context) is null)
            {
                return NotFound(id);
            }

            var cancelled = (await (await stores.BatchesAsync()).CancelAsync(id))!;
            return BatchObjects.Json(w => BatchObjects.WriteBatch(w, cancelled));
        });

    /// <summary>Every result line in submission order (the shortcut's output; the Files API splits it into output and errors).</summary>
    private static Task<IResult> OutputAsync(string id, HttpContext context, BatchStores stores) =>
        BatchStores.Guard(async () =>
        {
            if (await stores.OwnedBatchAsync(id, context) is null)
            {
                return NotFound(id);
            }

            var store = await stores.BatchesAsync();
            context.Response.ContentType = "application/jsonl";
            await foreach (var line in store.ReadResultsAsync(id))
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), context.RequestAborted);
            }

            return Results.Empty;
        });

    private static OpenAIErrorResult NotFound(string id) => new(new OpenAIError(404, $"No batch found with id '{id}'.", OpenAIError.InvalidRequest, "batch_id"));
}
