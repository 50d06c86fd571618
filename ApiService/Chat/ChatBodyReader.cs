using System.Buffers;
using System.Text.Json;
using Aspire70B.ApiService.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace Aspire70B.ApiService.Chat;

/// <summary>Reads a JSON request body up to a size limit: 413 past it, 400 for anything that is not JSON or not Unicode.</summary>
internal static class ChatBodyReader
{
    private const int MaxPresized = 64 * 1024;

    public static async Task<JsonDocument> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var body = await ReadBytesAsync(request, limit, cancellationToken);
        if (JsonTextGuard.CheckEncoding(body.Span) is { } encoding)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest(encoding));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest($"The request body is not valid JSON: {e.Message}"));
        }

        if (JsonTextGuard.CheckStrings(document.RootElement) is { } text)
        {
            document.Dispose();
            throw new OpenAIErrorException(OpenAIError.BadRequest(text));
        }

        return document;
    }

    /// <summary>The whole body, at most <paramref name="limit"/> bytes (413 past it, in OpenAI's format).</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadBytesAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > limit)
        {
            throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit + 1L;
        }

        // With a Content-Length (the usual case) a body up to 64 KB is read into an array of exactly its size; a larger or
        // chunked one grows as its bytes arrive, so a client that only announces a large body cannot make the gateway
        // allocate it. The scratch chunk is pooled.
        using var buffer = new MemoryStream(request.ContentLength is { } length and > 0 ? (int)Math.Min(length, MaxPresized) : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
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
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
