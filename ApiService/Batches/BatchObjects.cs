using System.Text.Json;
using Aspire70B.Batches;

namespace Aspire70B.ApiService.Batches;

/// <summary>
/// The objects of OpenAI's Batch and Files APIs as JSON: <c>batch</c>, <c>file</c>, <c>list</c>. A batch's output and
/// error files are not stored twice: they are views of its results (<see cref="OutputFileId"/>, <see cref="ErrorFileId"/>).
/// </summary>
internal static class BatchObjects
{
    public const string ChatEndpoint = "/v1/chat/completions";
    private const string OutputPrefix = "file-out-";
    private const string ErrorPrefix = "file-err-";

    /// <summary>The output file's id, once the batch has stopped and has successful results.</summary>
    public static string? OutputFileId(BatchStatus status) => Stopped(status) && status.Completed > 0 ? OutputPrefix + status.Id : null;

    /// <summary>The error file's id, once the batch has stopped and has failed requests.</summary>
    public static string? ErrorFileId(BatchStatus status) => Stopped(status) && status.Failed > 0 ? ErrorPrefix + status.Id : null;

    /// <summary>The batch and which results a result-file id names (successful or failed ones), if it names one.</summary>
    public static bool TryParseResultFileId(string fileId, out string batchId, out bool succeeded)
    {
        succeeded = fileId.StartsWith(OutputPrefix, StringComparison.Ordinal);
        var prefix = succeeded ? OutputPrefix : fileId.StartsWith(ErrorPrefix, StringComparison.Ordinal) ? ErrorPrefix : null;
        batchId = prefix is null ? "" : fileId[prefix.Length..];
        return batchId.Length > 0;
    }

    public static void WriteBatch(Utf8JsonWriter w, BatchStatus status)
    {
        w.WriteStartObject();
        w.WriteString("id", status.Id);
        w.WriteString("object", "batch");
        w.WriteString("endpoint", ChatEndpoint);
        w.WriteNull("errors");
        WriteNullable(w, "input_file_id", status.InputFileId);
        w.WriteString("completion_window", "24h");
        w.WriteString("status", status.Status);
        WriteNullable(w, "output_file_id", OutputFileId(status));
        WriteNullable(w, "error_file_id", ErrorFileId(status));
        w.WriteNumber("created_at", status.CreatedAt);
        w.WriteNumber("in_progress_at", status.CreatedAt);
        w.WriteNumber("expires_at", status.ExpiresAt);
        WriteNullable(w, "finalizing_at", status.CompletedAt);
        WriteNullable(w, "completed_at", status.CompletedAt);
        w.WriteNull("failed_at");
        w.WriteNull("expired_at");
        WriteNullable(w, "cancelling_at", status.CancellingAt);
        WriteNullable(w, "cancelled_at", status.CancelledAt);
        w.WriteStartObject("request_counts");
        w.WriteNumber("total", status.Total);
        w.WriteNumber("completed", status.Completed);
        w.WriteNumber("failed", status.Failed);
        w.WriteEndObject();
        if (status.MetadataJson is { } metadata)
        {
            w.WritePropertyName("metadata");
            w.WriteRawValue(metadata);
        }
        else
        {
            w.WriteNull("metadata");
        }

        w.WriteEndObject();
    }

    public static void WriteFile(Utf8JsonWriter w, StoredFile file)
    {
        w.WriteStartObject();
        w.WriteString("id", file.Id);
        w.WriteString("object", "file");
        w.WriteNumber("bytes", file.Bytes);
        w.WriteNumber("created_at", file.CreatedAt);
        w.WriteNumber("expires_at", file.ExpiresAt);
        w.WriteString("filename", file.Filename);
        w.WriteString("purpose", file.Purpose);
        w.WriteString("status", "processed");
        w.WriteNull("status_details");
        w.WriteEndObject();
    }

    /// <summary>Writes <paramref name="write"/> to the response as <c>application/json</c>.</summary>
    public static IResult Json(Action<Utf8JsonWriter> write) => Results.Stream(async stream =>
    {
        await using var w = new Utf8JsonWriter(stream);
        write(w);
        await w.FlushAsync();
    }, "application/json");

    private static bool Stopped(BatchStatus status) => status.Status is "completed" or "cancelled";

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
