using System.Text.Json;
using Aspire70B.ApiService.Errors;

namespace Aspire70B.ApiService.Batches;

/// <summary>
/// <c>POST /v1/batches</c> in OpenAI's form, <c>{"input_file_id","endpoint","completion_window","metadata"}</c>, checked
/// with OpenAI's wording. A body that is not this object is the direct JSONL submission instead.
/// </summary>
internal sealed record BatchCreateRequest(string InputFileId, string? MetadataJson)
{
    /// <summary>The request, when <paramref name="body"/> is a JSON object naming an <c>input_file_id</c>; otherwise null.</summary>
    public static BatchCreateRequest? TryRead(ReadOnlyMemory<byte> body)
    {
        var span = body.Span.TrimStart(" \t\r\n"u8);
        if (span.Length == 0 || span[0] != (byte)'{' || Chat.JsonTextGuard.CheckEncoding(body.Span) is not null)
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("input_file_id", out var file))
            {
                return null;
            }

            if (Chat.JsonTextGuard.CheckStrings(root) is { } problem)
            {
                throw Bad(problem, null);
            }

            if (file.ValueKind != JsonValueKind.String || file.GetString() is not { Length: > 0 } fileId)
            {
                throw Bad("'input_file_id' must be a file id.", "input_file_id");
            }

            var endpoint = root.TryGetProperty("endpoint", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            if (endpoint != BatchObjects.ChatEndpoint)
            {
                throw Bad($"Invalid value for 'endpoint': {(e.ValueKind == JsonValueKind.Undefined ? "missing" : e.GetRawText())}. Supported values are: '{BatchObjects.ChatEndpoint}'.", "endpoint");
            }

            var window = root.TryGetProperty("completion_window", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString() : null;
            if (window != "24h")
            {
                throw Bad($"Invalid value for 'completion_window': {(w.ValueKind == JsonValueKind.Undefined ? "missing" : w.GetRawText())}. Supported values are: '24h'.", "completion_window");
            }

            string? metadata = null;
            if (root.TryGetProperty("metadata", out var m) && m.ValueKind != JsonValueKind.Null)
            {
                if (m.ValueKind != JsonValueKind.Object || m.EnumerateObject().Count() > 16
                    || m.EnumerateObject().Any(p => p.Name.Length > 64 || p.Value.ValueKind != JsonValueKind.String || p.Value.GetString()!.Length > 512))
                {
                    throw Bad("'metadata' must be an object of at most 16 string values (keys up to 64 characters, values up to 512).", "metadata");
                }

                metadata = m.GetRawText();
            }

            return new BatchCreateRequest(fileId, metadata);
        }
    }

    private static OpenAIErrorException Bad(string message, string? param) => new(OpenAIError.BadRequest(message, param));
}
