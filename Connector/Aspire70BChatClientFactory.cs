using System.ClientModel;
using System.ClientModel.Primitives;
using Aspire70B.Connector.Gateway;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace Aspire70B.Connector;

/// <summary>
/// Creates the Aspire70B <see cref="IChatClient"/> without dependency injection: the official OpenAI SDK through
/// Microsoft.Extensions.AI.OpenAI, with the gateway's errors, guarded streams, <c>top_k</c> and vLLM's extras, no
/// automatic retry (a POST to a model is not safe to repeat) and <see cref="Aspire70BChatClientSettings.NetworkTimeout"/>
/// in place of the SDK's 100 seconds.
/// </summary>
public static class Aspire70BChatClientFactory
{
    /// <summary>Creates a chat client for the gateway described by <paramref name="settings"/>.</summary>
    /// <param name="settings">The endpoint (required), key, model, timeout and tracing switch; validated here.</param>
    /// <param name="httpClient">
    /// The client to send requests with, left open when the chat client is disposed; when null the chat client
    /// creates and owns one whose handler closes an abandoned stream at once.
    /// </param>
    /// <param name="loggerFactory">For the OpenTelemetry chat client's events; none when null.</param>
    /// <returns>A thread-safe chat client; dispose it when done.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The settings are not valid.</exception>
    public static IChatClient Create(Aspire70BChatClientSettings settings, HttpClient? httpClient = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Aspire70BSettingsValidator.ThrowIfInvalid(settings);
        var owned = httpClient is null ? new HttpClient(Aspire70BHttp.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan } : null;
        var options = new OpenAIClientOptions
        {
            Endpoint = V1(settings.Endpoint!),
            Transport = new HttpClientPipelineTransport(httpClient ?? owned!),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = settings.NetworkTimeout,
        };
        options.AddPolicy(new GatewayResponsePolicy(sendAuthorization: !string.IsNullOrEmpty(settings.Key), TimeProvider.System), PipelinePosition.BeforeTransport);
        var openAI = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(settings.Key) ? "unused" : settings.Key), options);
        IChatClient client = new GatewayOptionsChatClient(openAI.GetChatClient(settings.Model ?? GatewayOptionsChatClient.UnnamedModel).AsIChatClient(), settings, owned);
        return settings.DisableTracing
            ? client
            : new ChatClientBuilder(client).UseOpenTelemetry(loggerFactory, Aspire70BChatClientExtensions.ActivitySourceName).Build();
    }

    /// <summary>
    /// Creates a chat client for the gateway found in <paramref name="configuration"/> by Aspire's conventions:
    /// <c>ConnectionStrings:{connectionName}</c>, else <c>services:{connectionName}:https:0</c>, else <c>services:{connectionName}:http:0</c>.
    /// </summary>
    /// <param name="configuration">Where to look for the gateway.</param>
    /// <param name="connectionName">The gateway's resource name in configuration.</param>
    /// <param name="httpClient">As for <see cref="Create(Aspire70BChatClientSettings, HttpClient, ILoggerFactory)"/>.</param>
    /// <returns>A thread-safe chat client; dispose it when done.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">No usable endpoint was found.</exception>
    public static IChatClient Create(IConfiguration configuration, string connectionName = Aspire70BChatClientExtensions.DefaultConnectionName, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        var settings = new Aspire70BChatClientSettings();
        Aspire70BEndpointDiscovery.Apply(configuration, connectionName, settings);
        return Create(settings, httpClient);
    }

    /// <summary>The SDK appends <c>chat/completions</c> to its endpoint: give it the gateway's <c>/v1</c>.</summary>
    private static Uri V1(Uri endpoint)
    {
        var text = endpoint.AbsoluteUri.TrimEnd('/');
        return new Uri(text.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? text : $"{text}/v1");
    }
}
