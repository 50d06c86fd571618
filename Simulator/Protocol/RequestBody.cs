using System.Text.Json;

namespace Aspire70B.Simulator.Protocol;

/// <summary>Reads a JSON request body; malformed JSON is a 400, as FastAPI answers it in vLLM (never 422).</summary>
internal static class RequestBody
{
    public static async Task<JsonElement> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken).ConfigureAwait(false);
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
}
