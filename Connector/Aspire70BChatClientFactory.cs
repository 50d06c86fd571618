using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace Aspire70B.Connector;

/// <summary>Creates the Aspire70B <see cref="IChatClient"/> without dependency injection.</summary>
public static class Aspire70BChatClientFactory
{
    /// <summary>Creates a chat client for the gateway described by <paramref name="options"/>.</summary>
    /// <param name="options">The endpoint (required), key, model and timeout; validated here.</param>
    /// <param name="httpClient">
    /// The client to send requests with, left open when the chat client is disposed; when null the chat client
    /// creates and owns one with <see cref="Aspire70BChatClientOptions.RequestTimeout"/>.
    /// </param>
    /// <returns>A thread-safe chat client; dispose it when done.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are not valid.</exception>
    public static IChatClient Create(Aspire70BChatClientOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Aspire70BChatClientOptionsValidator.ThrowIfInvalid(options);
        if (httpClient is not null)
        {
            return new Aspire70BChatClient(options, () => httpClient);
        }

        var owned = new HttpClient(Aspire70BHttp.CreateHandler()) { Timeout = options.RequestTimeout };
        return new Aspire70BChatClient(options, () => owned, owned);
    }

    /// <summary>
    /// Creates a chat client for the gateway found in <paramref name="configuration"/> by Aspire's conventions:
    /// <c>ConnectionStrings:{connectionName}</c>, else <c>services:{connectionName}:https:0</c>, else <c>services:{connectionName}:http:0</c>.
    /// </summary>
    /// <param name="configuration">Where to look for the gateway.</param>
    /// <param name="connectionName">The gateway's resource name in configuration.</param>
    /// <param name="httpClient">As for <see cref="Create(Aspire70BChatClientOptions, HttpClient)"/>.</param>
    /// <returns>A thread-safe chat client; dispose it when done.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">No usable endpoint was found.</exception>
    public static IChatClient Create(IConfiguration configuration, string connectionName = Aspire70BServiceCollectionExtensions.DefaultConnectionName, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        var options = new Aspire70BChatClientOptions();
        Aspire70BEndpointDiscovery.Apply(configuration, connectionName, options);
        return Create(options, httpClient);
    }
}
