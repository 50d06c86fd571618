using Aspire70B.GatewayBench.Load;

namespace Aspire70B.GatewayBench.Contenders;

/// <summary>Stores the bench's bodies in ApiService's prompt cache and checks that the next identical request is a hit.</summary>
internal static class CacheProbe
{
    /// <summary>The <c>x-cache</c> header of the second of two identical requests, for each body: both should be "hit".</summary>
    public static async Task<string> WarmAsync(ChatTarget target, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var outcome = new List<string>();
        foreach (var body in new[] { ChatBodies.NonStreaming, ChatBodies.Streaming })
        {
            string? status = null;
            for (var attempt = 0; attempt < 2; attempt++)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = ChatBodies.Json;
                using var response = await http.PostAsync(target.ChatCompletions, content, cancellationToken);
                _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                status = response.Headers.TryGetValues("x-cache", out var values) ? string.Join(',', values) : "none";
            }

            outcome.Add(status!);
        }

        return string.Join('/', outcome);
    }
}
