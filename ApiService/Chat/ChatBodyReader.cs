using System.Text.Json;
using Aspire70B.ApiService.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace Aspire70B.ApiService.Chat;

/// <summary>Reads a JSON request body up to a size limit: 413 past it, 400 for anything that is not JSON.</summary>
internal static class ChatBodyReader
{
    public static async Task<JsonDocument> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit + 1L;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
        }

        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (JsonException e)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest($"The request body is not valid JSON: {e.Message}"));
        }
    }
}
