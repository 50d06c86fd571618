using System.Diagnostics;
using System.Text;

namespace Aspire70B.SimulatorBench;

/// <summary>What one phase of load measured.</summary>
internal sealed record LoadResult(string Name, long Requests, long Tokens, long Failures, TimeSpan Elapsed)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public double TokensPerSecond => Tokens / Elapsed.TotalSeconds;
}

/// <summary>Closed-loop load: a fixed number of workers send requests back to back for a fixed time, then stop.</summary>
internal sealed class LoadRunner(HttpClient client, int concurrency, TimeSpan duration)
{
    public Task<LoadResult> NonStreamingAsync(int maxTokens, CancellationToken cancellationToken) =>
        RunAsync("non-streaming", $$"""{"prompt":"Benchmark the simulator, please.","max_tokens":{{maxTokens}},"ignore_eos":true}""", stream: false, cancellationToken);

    public Task<LoadResult> StreamingAsync(int maxTokens, CancellationToken cancellationToken) =>
        RunAsync("streaming", $$"""{"prompt":"Benchmark the simulator, please.","max_tokens":{{maxTokens}},"ignore_eos":true,"stream":true}""", stream: true, cancellationToken);

    private async Task<LoadResult> RunAsync(string name, string body, bool stream, CancellationToken cancellationToken)
    {
        long requests = 0, tokens = 0, failures = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var generated = await SendAsync(body, stream, stop.Token);
                    Interlocked.Increment(ref requests);
                    Interlocked.Add(ref tokens, generated);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // The phase is over; the request in flight is not counted.
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        await Task.WhenAll(workers);
        return new LoadResult(name, requests, tokens, failures, clock.Elapsed);
    }

    private async Task<long> SendAsync(string body, bool stream, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        if (!stream)
        {
            var json = await response.Content.ReadAsStringAsync(cancellationToken);
            var at = json.IndexOf("\"completion_tokens\":", StringComparison.Ordinal) + "\"completion_tokens\":".Length;
            return long.Parse(json.AsSpan(at, json.IndexOfAny([',', '}'], at) - at), System.Globalization.CultureInfo.InvariantCulture);
        }

        long chunks = 0;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal))
            {
                chunks++;
            }
        }

        return chunks;
    }
}
