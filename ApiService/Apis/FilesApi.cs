using System.Text;
using Aspire70B.ApiService.Batches;
using Aspire70B.ApiService.Errors;
using Aspire70B.Batches;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Apis;

/// <summary>
/// OpenAI's Files API as its Batch flow uses it: upload a JSONL file with <c>purpose=batch</c> (checked line by line on
/// upload), look it up, read it, delete it. A batch's <c>output_file_id</c> and <c>error_file_id</c> are read here too.
/// </summary>
internal static class FilesApi
{
    public static RouteGroupBuilder MapFilesApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/files", UploadAsync).DisableAntiforgery();
        v1.MapGet("/files", ListAsync);
        v1.MapGet("/files/{id}", GetAsync);
        v1.MapGet("/files/{id}/content", ContentAsync);
        v1.MapDelete("/files/{id}", DeleteAsync);
        return v1;
    }

    private static Task<IResult> UploadAsync(HttpContext context, BatchStores stores, IOptions<BatchApiOptions> options) =>
        BatchStores.Guard(async () =>
        {
            var request = context.Request;
            var limit = options.Value.MaxBytes;
            if (!request.HasFormContentType || !(request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest("Upload a file as multipart/form-data with the fields 'file' and 'purpose'.", "file"));
            }

            // Room for the multipart framing around a file of the allowed size.
            const int Framing = 64 * 1024;
            if (request.ContentLength > limit + Framing)
            {
                throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limit + (long)Framing;
            }

            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException || (e is IOException and not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested))
            {
                // A malformed multipart body (no boundary, cut off, a part without headers) is the client's.
                throw new OpenAIErrorException(OpenAIError.BadRequest($"The multipart body could not be read: {e.Message}", "file"));
            }

            var purpose = form["purpose"].ToString();
            if (purpose != "batch")
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid value for 'purpose': '{purpose}'. Supported values are: 'batch'.", "purpose"));
            }

            if (form.Files.GetFile("file") is not { } upload)
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest("The field 'file' is missing: upload the JSONL file as 'file'.", "file"));
            }

            if (upload.Length > limit)
            {
                throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
            }

            using var buffer = new MemoryStream((int)upload.Length);
            await upload.CopyToAsync(buffer, context.RequestAborted);
            var content = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            BatchInputParser.Parse(content, options.Value.MaxRequests);
            var filename = string.IsNullOrWhiteSpace(upload.FileName) ? "batch.jsonl" : upload.FileName;
            var file = await (await stores.FilesAsync()).UploadAsync("file-" + Guid.NewGuid().ToString("N"), filename, purpose, content, BatchStores.Tenant(context));
            return BatchObjects.Json(w => BatchObjects.WriteFile(w, file));
        });

    /// <summary>
    /// The caller's uploaded files, newest first unless <c>order=asc</c>, <c>limit</c> (1–10,000, default 10,000) at a
    /// time after the file <c>after</c>, only those of <c>purpose</c> when given. Batch result files are found through
    /// their batch (<c>output_file_id</c>, <c>error_file_id</c>), not listed here.
    /// </summary>
    private static Task<IResult> ListAsync(HttpContext context, BatchStores stores, string? purpose, string? after, string? limit, string? order) =>
        BatchStores.Guard(async () =>
        {
            var size = 10_000;
            if (limit is not null && !(int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) && size is >= 1 and <= 10_000))
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest("'limit' must be an integer from 1 to 10000.", "limit"));
            }

            if (order is not (null or "asc" or "desc"))
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid value for 'order': '{order}'. Supported values are: 'asc' and 'desc'.", "order"));
            }

            var (files, hasMore) = await (await stores.FilesAsync()).ListAsync(BatchStores.Tenant(context), string.IsNullOrEmpty(purpose) ? null : purpose, after, size, order == "asc");
            return BatchObjects.Json(w => BatchObjects.WriteList(w, files, f => f.Id, BatchObjects.WriteFile, hasMore));
        });

    private static Task<IResult> GetAsync(string id, HttpContext context, BatchStores stores) =>
        BatchStores.Guard(async () =>
            await FindAsync(id, context, stores) is { } found ? BatchObjects.Json(w => BatchObjects.WriteFile(w, found.File)) : NotFound(id));

    private static Task<IResult> ContentAsync(string id, HttpContext context, BatchStores stores) =>
        BatchStores.Guard(async () =>
        {
            if (await FindAsync(id, context, stores) is not { } found)
            {
                return NotFound(id);
            }

            context.Response.ContentType = "application/octet-stream";
            if (found.Results is { } results)
            {
                await context.Response.Body.WriteAsync(results, context.RequestAborted);
            }
            else
            {
                var content = await (await stores.FilesAsync()).ReadAsync(id) ?? [];
                await context.Response.Body.WriteAsync(content, context.RequestAborted);
            }

            return Results.Empty;
        });

    private static Task<IResult> DeleteAsync(string id, HttpContext context, BatchStores stores) =>
        BatchStores.Guard(async () =>
        {
            if (BatchObjects.TryParseResultFileId(id, out _, out _))
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest($"File {id} holds a batch's results; it goes when the batch expires.", "file_id"));
            }

            var files = await stores.FilesAsync();
            if (await files.GetAsync(id) is not { } file || !BatchStores.Owns(context, file.Owner) || !await files.DeleteAsync(id))
            {
                return NotFound(id);
            }

            return BatchObjects.Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteString("object", "file");
                w.WriteBoolean("deleted", true);
                w.WriteEndObject();
            });
        });

    /// <summary>An uploaded file the caller owns, or a batch's output or error file (its results, rendered now).</summary>
    private static async Task<(StoredFile File, byte[]? Results)?> FindAsync(string id, HttpContext context, BatchStores stores)
    {
        if (BatchObjects.TryParseResultFileId(id, out var batchId, out var succeeded))
        {
            if (await stores.OwnedBatchAsync(batchId, context) is not { } batch
                || (succeeded ? BatchObjects.OutputFileId(batch) : BatchObjects.ErrorFileId(batch)) != id)
            {
                return null;
            }

            var text = new StringBuilder();
            var unanswered = succeeded ? null : BatchObjects.StoppedEarly(batch);
            await foreach (var (customId, result) in (await stores.BatchesAsync()).ReadInOrderAsync(batchId))
            {
                if (result is not null ? result.Succeeded == succeeded : unanswered is not null)
                {
                    text.Append(result?.Line ?? BatchObjects.UnansweredLine(batchId, customId, unanswered!)).Append('\n');
                }
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            var name = succeeded ? "batch_output.jsonl" : "batch_errors.jsonl";
            return (new StoredFile(id, $"{batchId}_{name}", "batch_output", bytes.Length, batch.CompletedAt ?? batch.CancelledAt ?? batch.ExpiredAt ?? batch.CreatedAt, batch.RetainedUntil, batch.Owner), bytes);
        }

        return await (await stores.FilesAsync()).GetAsync(id) is { } file && BatchStores.Owns(context, file.Owner) ? (file, null) : null;
    }

    private static OpenAIErrorResult NotFound(string id) => new(new OpenAIError(404, $"No such File object: {id}", OpenAIError.InvalidRequest, "file_id"));
}
