using System.Text.Json;
using System.Text.Unicode;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// Reads a JSON request body; malformed JSON is a 400, as FastAPI answers it in vLLM (never 422). Text that is not
/// Unicode (bytes that are not UTF-8, an escaped surrogate half) is malformed too: System.Text.Json would only fail
/// when the string is read, deep in a handler.
/// </summary>
internal static class RequestBody
{
    public static async Task<JsonElement> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!Utf8.IsValid(body.Span))
        {
            throw new VllmErrorException(VllmError.BadRequest("JSON decode error: the body is not valid UTF-8"));
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (!StringsDecode(document.RootElement))
            {
                throw new VllmErrorException(VllmError.BadRequest("JSON decode error: a string is not valid Unicode (a lone surrogate escape)"));
            }

            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            // FastAPI's json_invalid error: loc ('body', position), input {}, and Python's json message in ctx; the
            // position and message come from .NET's parser, so they can differ from Python's for the same body.
            var position = (int)(e.BytePositionInLine ?? 0);
            var reason = e.Message.Contains("end of data", StringComparison.Ordinal) || e.Message.Contains("start of a property name", StringComparison.Ordinal)
                ? (e.Message.Contains("property name", StringComparison.Ordinal) ? "Expecting property name enclosed in double quotes" : "Expecting value")
                : "Expecting value";
            throw new RequestValidationError("json_invalid", [position], "JSON decode error", "{}", $"{{'error': {PythonRepr.String(reason)}}}").ToException();
        }
    }

    private static bool StringsDecode(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Array:
                    return element.EnumerateArray().All(StringsDecode);
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        if (!StringsDecode(property.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
