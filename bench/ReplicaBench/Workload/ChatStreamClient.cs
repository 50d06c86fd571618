using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Aspire70B.ReplicaBench.Workload;

/// <summary>
/// Sends streamed chats to one address and reads each stream to its end, event by event: the first content delta is
/// the first token, the text becomes the next turn's history, the usage chunk gives the completion tokens, and the
/// response header names the replica. Thread-safe; one pooled connection per concurrent user.
/// </summary>
internal sealed class ChatStreamClient : IDisposable
{
    public const string ReplicaHeader = "x-aspire70b-replica";

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly Uri _chatCompletions;
    private readonly TimeSpan _timeout;

    public ChatStreamClient(Uri baseAddress, int maxConnections, TimeSpan timeout)
    {
        _chatCompletions = new Uri(baseAddress, "v1/chat/completions");
        _timeout = timeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // The whole stream is bounded below, not only its headers.
        };
    }

    /// <summary>Sends <paramref name="body"/> and reads the stream; never throws for a failed chat, only reports it.</summary>
    public async Task<TurnOutcome> StreamAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        var issued = Stopwatch.GetTimestamp();
        long firstToken = 0;
        string? replica = null;
        var answer = new StringBuilder();
        var completionTokens = 0;

        TurnOutcome End(TurnResult result, string? failure) =>
            new(result, replica, issued, firstToken, Stopwatch.GetTimestamp(), answer.ToString(), completionTokens, failure);
        TurnOutcome Broken(string failure) =>
            End(firstToken == 0 ? TurnResult.FailedBeforeFirstToken : TurnResult.CutMidStream, failure);

        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            using var request = new HttpRequestMessage(HttpMethod.Post, _chatCompletions) { Content = content };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            replica = response.Headers.TryGetValues(ReplicaHeader, out var values) ? values.FirstOrDefault() : null;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return Broken($"HTTP {(int)response.StatusCode}");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(deadline.Token) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                if (line.AsSpan(6).SequenceEqual("[DONE]"))
                {
                    return End(firstToken == 0 ? TurnResult.FailedBeforeFirstToken : TurnResult.Succeeded, firstToken == 0 ? "[DONE] without content" : null);
                }

                using var chunk = JsonDocument.Parse(line.AsMemory(6));
                var root = chunk.RootElement;
                if (root.TryGetProperty("error", out var error))
                {
                    return Broken($"error event: {(error.TryGetProperty("message", out var m) ? m.GetString() : error.GetRawText())}");
                }

                if (root.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
                    && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var text)
                    && text.ValueKind == JsonValueKind.String && text.GetString() is { Length: > 0 } piece)
                {
                    if (firstToken == 0)
                    {
                        firstToken = Stopwatch.GetTimestamp();
                    }

                    answer.Append(piece);
                }

                if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
                    && usage.TryGetProperty("completion_tokens", out var tokens))
                {
                    completionTokens = tokens.GetInt32();
                }
            }

            return Broken("stream ended without [DONE]");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return End(TurnResult.Cancelled, null);
        }
        catch (OperationCanceledException)
        {
            return Broken($"no end within {_timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
        {
            return Broken(e is HttpRequestException { HttpRequestError: var kind } ? $"HttpRequestException ({kind})" : e.GetType().Name);
        }
    }

    public void Dispose() => _http.Dispose();
}
