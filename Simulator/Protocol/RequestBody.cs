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
            throw new VllmErrorException(VllmError.BadRequest($"JSON decode error: {e.Message}"));
        }
    }
}
