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

    /// <summary>
    /// The error file's id, once the batch has stopped and has failed requests, or requests that never ran because it
    /// was cancelled or expired.
    /// </summary>
    public static string? ErrorFileId(BatchStatus status) =>
        Stopped(status) && (status.Failed > 0 || (StoppedEarly(status) is not null && status.Unanswered > 0)) ? ErrorPrefix + status.Id : null;

    /// <summary>
    /// The error code OpenAI gives a request that never ran — <c>batch_cancelled</c> or <c>batch_expired</c> — when the
    /// batch stopped before answering them all; null otherwise.
    /// </summary>
    public static string? StoppedEarly(BatchStatus status) => status.Status switch
    {
        "cancelled" => "batch_cancelled",
        "expired" => "batch_expired",
        _ => null,
    };

    /// <summary>The error-file line of a request that never ran; its id is stable, so every read of the file is the same.</summary>
    public static string UnansweredLine(string batchId, string customId, string code)
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(batchId + "\n" + customId)).AsSpan(0, 16));
        var message = code == "batch_expired"
            ? "This request could not be executed before the completion window expired."
            : "This request was not executed because the batch was cancelled.";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", "batch_req_" + id);
            w.WriteString("custom_id", customId);
            w.WriteNull("response");
            w.WriteStartObject("error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

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
        WriteNullable(w, "expired_at", status.ExpiredAt);
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

    /// <summary>A page of a listing, OpenAI's <c>list</c> object: the items, the first and last ids, and whether more follow.</summary>
    public static void WriteList<T>(Utf8JsonWriter w, IReadOnlyList<T> items, Func<T, string> id, Action<Utf8JsonWriter, T> write, bool hasMore)
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var item in items)
        {
            write(w, item);
        }

        w.WriteEndArray();
        WriteNullable(w, "first_id", items.Count > 0 ? id(items[0]) : null);
        WriteNullable(w, "last_id", items.Count > 0 ? id(items[^1]) : null);
        w.WriteBoolean("has_more", hasMore);
        w.WriteEndObject();
    }

    /// <summary>Writes <paramref name="write"/> to the response as <c>application/json</c>.</summary>
    public static IResult Json(Action<Utf8JsonWriter> write) => Results.Stream(async stream =>
    {
        await using var w = new Utf8JsonWriter(stream);
        write(w);
        await w.FlushAsync();
    }, "application/json");

    private static bool Stopped(BatchStatus status) => status.Status is "completed" or "cancelled" or "expired";

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
