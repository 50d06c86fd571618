using System.Net.Http.Headers;
using System.Text;

namespace Aspire70B.Simulator.Tests.Infrastructure;

/// <summary>Small helpers for raw HTTP calls.</summary>
public static class Http
{
    public static async Task<(int Status, string Body, string? ContentType)> PostAsync(
        HttpClient client, string path, string json, IDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, body, response.Content.Headers.ContentType?.ToString());
    }

    public static AuthenticationHeaderValue Bearer(string key) => new("Bearer", key);

    /// <summary>The <c>data:</c> payloads of an SSE body, checking vLLM's framing: nothing but <c>data: …\n\n</c> events.</summary>
    public static List<string> SseEvents(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Assert.EndsWith("\n\n", body, StringComparison.Ordinal);
        var events = body[..^2].Split("\n\n");
        foreach (var e in events)
        {
            Assert.StartsWith("data: ", e, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e);
        }

        return [.. events.Select(e => e["data: ".Length..])];
    }
}
