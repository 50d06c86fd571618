using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace Aspire70B.Connector.Gateway;

/// <summary>
/// What Microsoft.Extensions.AI.OpenAI leaves out of the request, added through the SDK's JSON patch:
/// <c>ChatOptions.TopK</c> as <c>top_k</c>, <c>ChatOptions.AdditionalProperties</c> as top-level fields (vLLM's
/// extras such as <c>min_p</c>), and no <c>model</c> at all when neither the request nor the settings name one, so the
/// gateway serves its own. Answers <see cref="ChatClientMetadata"/> as the <c>aspire70b</c> provider. Thread-safe.
/// </summary>
#pragma warning disable SCME0001 // JsonPatch is the SDK's documented way to send fields it does not model.
internal sealed class GatewayOptionsChatClient : DelegatingChatClient
{
    /// <summary>The model the SDK's client is created with when none is configured; never sent (see above).</summary>
    public const string UnnamedModel = "aspire70b-default";

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "model", "messages", "stream", "stream_options", "n", "tools" };

    private readonly ChatClientMetadata _metadata;
    private readonly bool _modelConfigured;
    private readonly IDisposable? _owned;

    public GatewayOptionsChatClient(IChatClient inner, Aspire70BChatClientSettings settings, IDisposable? owned)
        : base(inner)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _metadata = new ChatClientMetadata("aspire70b", settings.Endpoint, settings.Model);
        _modelConfigured = settings.Model is not null;
        _owned = owned;
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetResponseAsync(messages, Shape(options), cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(messages, Shape(options), cancellationToken);

    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata : base.GetService(serviceType, serviceKey);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _owned?.Dispose();
        }

        base.Dispose(disposing);
    }

    private ChatOptions Shape(ChatOptions? options)
    {
        var shaped = options?.Clone() ?? new ChatOptions();
        var topK = shaped.TopK;
        var extras = shaped.AdditionalProperties is { Count: > 0 } properties ? properties.ToArray() : [];
        foreach (var (key, _) in extras)
        {
            if (Reserved.Contains(key) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException($"ChatOptions.AdditionalProperties['{key}'] cannot be sent: it is a field the connector writes itself, or not a plain field name.", nameof(options));
            }
        }

        var dropModel = shaped.ModelId is null && !_modelConfigured;
        var previous = shaped.RawRepresentationFactory;
        shaped.RawRepresentationFactory = client =>
        {
            var raw = previous?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
            if (topK is { } k)
            {
                raw.Patch.Set("$.top_k"u8, k);
            }

            foreach (var (key, value) in extras)
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object)));
                raw.Patch.Set(Encoding.UTF8.GetBytes("$." + key), BinaryData.FromBytes(json));
            }

            if (dropModel)
            {
                raw.Patch.Remove("$.model"u8);
            }

            return raw;
        };
        return shaped;
    }
}
