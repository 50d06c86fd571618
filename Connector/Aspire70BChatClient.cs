using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Aspire70B.Connector.Wire;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector;

/// <summary>
/// An <see cref="IChatClient"/> over the gateway's <c>/v1/chat/completions</c>, in OpenAI's wire format. Streamed
/// answers are read event by event as they arrive; cancelling or disposing the enumeration closes the response.
/// Thread-safe: it keeps no per-request state.
/// </summary>
internal sealed class Aspire70BChatClient : IChatClient
{
    private const string ProviderName = "aspire70b";

    private readonly Func<HttpClient> _httpClient;
    private readonly IDisposable? _owned;
    private readonly Uri _completions;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly string? _model;
    private readonly ChatClientMetadata _metadata;

    /// <param name="options">Validated options.</param>
    /// <param name="httpClient">Gives the client for one request (from <c>IHttpClientFactory</c>, or always the same one).</param>
    /// <param name="owned">What the client disposes with itself, when it created its own <see cref="HttpClient"/>.</param>
    public Aspire70BChatClient(Aspire70BChatClientOptions options, Func<HttpClient> httpClient, IDisposable? owned = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Aspire70BChatClientOptionsValidator.ThrowIfInvalid(options);
        _httpClient = httpClient;
        _owned = owned;
        _completions = CompletionsUri(options.Endpoint!);
        _authorization = string.IsNullOrEmpty(options.ApiKey) ? null : new AuthenticationHeaderValue("Bearer", options.ApiKey);
        _model = options.ModelId;
        _metadata = new ChatClientMetadata(ProviderName, options.Endpoint, options.ModelId);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var request = CreateRequest(ChatRequestWriter.Write(messages, options, _model, stream: false));
        using var response = await SendAsync(request, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new Aspire70BException("The gateway's response is not a JSON chat completion.", e) { StatusCode = response.StatusCode };
        }

        using (document)
        {
            return ChatResponseReader.Read(document.RootElement);
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = CreateRequest(ChatRequestWriter.Write(messages, options, _model, stream: true));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await SendAsync(request, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var chunks = new ChatChunkReader();
        var done = false;
        await using var events = ReadEventsAsync(body, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await events.MoveNextAsync())
        {
            // Events already buffered must not outlive a cancellation.
            cancellationToken.ThrowIfCancellationRequested();
            var data = events.Current;
            if (data == "[DONE]")
            {
                done = true;
                break;
            }

            using var document = ParseEvent(data);
            if (ErrorReader.TryReadStreamError(document.RootElement, out var error))
            {
                throw error!;
            }

            if (chunks.Read(document.RootElement) is { } update)
            {
                yield return update;
            }
        }

        if (!done)
        {
            throw new Aspire70BException("The gateway's stream ended without [DONE]: the answer is incomplete.") { MidStream = true };
        }

        if (chunks.Flush() is { Count: > 0 } unfinished)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, [.. unfinished]);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose() => _owned?.Dispose();

    private static Uri CompletionsUri(Uri endpoint)
    {
        var text = endpoint.AbsoluteUri.TrimEnd('/');
        return new Uri(text.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? $"{text}/chat/completions" : $"{text}/v1/chat/completions");
    }

    private HttpRequestMessage CreateRequest(byte[] json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _completions)
        {
            Content = new ByteArrayContent(json),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Authorization = _authorization;
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await _httpClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ErrorReader.FromResponseAsync(response, cancellationToken);
        }
    }

    /// <summary>The stream's events, with a connection lost mid-answer reported as the gateway's failure, not as an I/O detail.</summary>
    private static async IAsyncEnumerable<string> ReadEventsAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var events = SseEventReader.ReadAsync(body, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await events.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw new Aspire70BException("The connection to the gateway was lost in the middle of a streamed answer.", e) { MidStream = true };
            }

            yield return events.Current;
        }
    }

    private static JsonDocument ParseEvent(string data)
    {
        try
        {
            return JsonDocument.Parse(data);
        }
        catch (JsonException e)
        {
            throw new Aspire70BException($"The gateway sent an event that is not JSON: {data}", e) { MidStream = true };
        }
    }
}
