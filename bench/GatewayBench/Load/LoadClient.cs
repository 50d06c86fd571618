using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Aspire70B.GatewayBench.Load;

/// <summary>
/// Sends the pre-serialised chat bodies to one contender over a pooled <see cref="SocketsHttpHandler"/> and reads
/// every response to its end. Thread-safe; one instance per contender and phase so connection pools never mix.
/// </summary>
internal sealed class LoadClient : IDisposable
{
    private static readonly byte[] DataPrefix = "data: {"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]"u8.ToArray();
    private readonly HttpClient _http;
    private readonly ChatTarget _target;

    public LoadClient(ChatTarget target, int maxConnections, TimeSpan timeout)
    {
        _target = target;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            // Under the servers' own keep-alive timeouts (vLLM's and Node's 5 s), so no request races a server's close.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(4),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = timeout,
        };
    }

    /// <summary>A non-streamed chat: true when the status was 200 and the body was read.</summary>
    public async Task<bool> ChatAsync(CancellationToken cancellationToken)
    {
        using var request = NewRequest(ChatBodies.NonStreaming);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            long length = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                length += read;
            }

            var ok = response.StatusCode == HttpStatusCode.OK && length > 0;
            if (!ok)
            {
                Fail(response.StatusCode != HttpStatusCode.OK ? $"HTTP {(int)response.StatusCode}" : "empty body");
            }

            return ok;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A streamed chat: <paramref name="onFirstToken"/> gets the timestamp at which the first <c>data: {</c> event
    /// arrived (as it arrives, so a stream cut later still counts its first token); true when the stream ended with
    /// <c>[DONE]</c> after a 200.
    /// </summary>
    public async Task<bool> StreamAsync(Action<long> onFirstToken, CancellationToken cancellationToken)
    {
        using var request = NewRequest(ChatBodies.Streaming);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(16384);
        try
        {
            long firstToken = 0;
            var sawDone = false;
            var lastRead = 0;
            var carry = new DoneCarry();
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                var chunk = buffer.AsSpan(0, read);
                lastRead = read;
                if (firstToken == 0 && chunk.IndexOf(DataPrefix) >= 0)
                {
                    firstToken = Stopwatch.GetTimestamp();
                    onFirstToken(firstToken);
                }

                // [DONE] may straddle two reads (chunked framing, TCP segments): the end of the previous read is
                // kept and searched together with the start of this one.
                sawDone |= chunk.IndexOf(Done) >= 0 || carry.CompletesDone(chunk);
                carry.Keep(chunk);
            }

            var ok = response.StatusCode == HttpStatusCode.OK && firstToken != 0 && sawDone;
            if (!ok)
            {
                Fail(response.StatusCode != HttpStatusCode.OK
                    ? $"HTTP {(int)response.StatusCode}"
                    : StreamFailure(System.Text.Encoding.UTF8.GetString(buffer, Math.Max(0, lastRead - 160), Math.Min(lastRead, 160))));
            }

            return ok;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Why requests failed, counted by kind ("HTTP 502", "stream without [DONE]", an exception's type).</summary>
    public ConcurrentDictionary<string, long> Failures { get; } = new();

    public void Fail(string kind) => Failures.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// A stream that ended without [DONE]: the error event it ended with, if any (a gateway's upstream failure),
    /// from the last bytes of the last read, still in the buffer.
    /// </summary>
    private static string StreamFailure(string lastBytes)
    {
        var error = lastBytes.IndexOf("\"message\":", StringComparison.Ordinal);
        return error < 0
            ? "stream without [DONE]"
            : $"stream ended with an error event: {lastBytes[error..].Split('\n')[0].TrimEnd('}', ' ')}";
    }

    private HttpRequestMessage NewRequest(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = ChatBodies.Json;
        var request = new HttpRequestMessage(HttpMethod.Post, _target.ChatCompletions) { Content = content };
        foreach (var (name, value) in _target.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>The last bytes of the previous reads, enough to find <c>data: [DONE]</c> split across a read boundary.</summary>
    private sealed class DoneCarry
    {
        private readonly byte[] _bytes = new byte[Done.Length - 1];
        private int _length;

        public bool CompletesDone(ReadOnlySpan<byte> chunk)
        {
            Span<byte> joined = stackalloc byte[2 * (Done.Length - 1)];
            var head = chunk[..Math.Min(chunk.Length, Done.Length - 1)];
            _bytes.AsSpan(0, _length).CopyTo(joined);
            head.CopyTo(joined[_length..]);
            return joined[..(_length + head.Length)].IndexOf(Done) >= 0;
        }

        public void Keep(ReadOnlySpan<byte> chunk)
        {
            Span<byte> joined = stackalloc byte[2 * (Done.Length - 1)];
            var tail = chunk[Math.Max(0, chunk.Length - (Done.Length - 1))..];
            _bytes.AsSpan(0, _length).CopyTo(joined);
            tail.CopyTo(joined[_length..]);
            var all = joined[..(_length + tail.Length)];
            var kept = all[Math.Max(0, all.Length - _bytes.Length)..];
            kept.CopyTo(_bytes);
            _length = kept.Length;
        }
    }
}
