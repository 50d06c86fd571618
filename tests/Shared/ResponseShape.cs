using System.Net;
using System.Text;
using System.Text.Json;

namespace Aspire70B.Tests.Shared;

/// <summary>What every answer to a generated request must look like: a valid answer, or a 4xx error object.</summary>
internal static class ResponseShape
{

    /// <summary>
    /// Fails unless the response is below 500 and is either a 2xx whose JSON (or SSE) body is well formed, or a 4xx
    /// carrying <c>{"error":{"message","type","param","code"}}</c>; and never shows a stack trace.
    /// </summary>
    /// <returns>The status and the error message, if any, for the caller's tally.</returns>
    public static async Task<(HttpStatusCode Status, string? Error)> AssertAnswerAsync(HttpResponseMessage response, Func<JsonElement, bool>? validAnswer = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            throw new InvalidOperationException($"{status} for a generated request: {Cut(body)}");
        }

        if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"A stack trace or exception reached the client: {Cut(body)}");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (status >= 400)
        {
            if (mediaType != "application/json")
            {
                throw new InvalidOperationException($"{status} with {mediaType ?? "no content type"}: {Cut(body)}");
            }

            using var error = JsonDocument.Parse(body);
            var e = error.RootElement.GetProperty("error");
            if (e.GetProperty("message").GetString() is not { Length: > 0 }
                || e.GetProperty("type").ValueKind != JsonValueKind.String
                || e.GetProperty("param").ValueKind is not (JsonValueKind.Null or JsonValueKind.String)
                || !e.TryGetProperty("code", out _))
            {
                throw new InvalidOperationException($"Not an OpenAI error object: {Cut(body)}");
            }

            return (response.StatusCode, e.GetProperty("message").GetString());
        }

        if (mediaType == "text/event-stream")
        {
            var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            if (events.Length == 0 || events[^1] != "data: [DONE]")
            {
                throw new InvalidOperationException($"A stream that does not end with [DONE]: {Cut(body)}");
            }

            foreach (var e in events[..^1])
            {
                using var chunk = JsonDocument.Parse(e["data: ".Length..]);
                if (chunk.RootElement.TryGetProperty("error", out _))
                {
                    throw new InvalidOperationException($"An error event in a 200 stream: {Cut(body)}");
                }
            }

            return (response.StatusCode, null);
        }

        if (body.Length > 0 && mediaType is "application/json")
        {
            using var answer = JsonDocument.Parse(body);
            if (validAnswer is not null && !validAnswer(answer.RootElement))
            {
                throw new InvalidOperationException($"An answer of the wrong shape: {Cut(body)}");
            }
        }

        return (response.StatusCode, null);
    }

    public static string Printable(byte[] body) =>
        body.Length > 400 ? $"{body.Length} bytes: {Escape(body[..400])}…" : Escape(body);

    private static string Escape(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}");
        }

        return text.ToString();
    }

    private static string Cut(string body) => body.Length > 600 ? body[..600] + "…" : body;
}
