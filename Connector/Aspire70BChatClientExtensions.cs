using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Aspire70B client integration: registers an <see cref="IChatClient"/> for the gateway the way .NET Aspire's own
/// client integrations do, and returns Microsoft.Extensions.AI's <see cref="ChatClientBuilder"/> so the app adds its
/// own layers (<c>UseFunctionInvocation()</c>, <c>UseDistributedCache()</c>, …).
/// </summary>
public static class Aspire70BChatClientExtensions
{
    /// <summary>The Aspire resource name of the gateway, as the AppHost calls it.</summary>
    public const string DefaultConnectionName = "apiservice";

    /// <summary>The configuration section the settings are bound from (<c>{section}:{name}</c> too, for a keyed client).</summary>
    public const string ConfigurationSectionName = "Aspire:Aspire70B:Chat";

    /// <summary>The name of the <see cref="HttpClient"/> the non-keyed client uses (<c>{name}.{key}</c> for a keyed one); configure it to add handlers.</summary>
    public const string HttpClientName = "Aspire70B.Connector";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> and meter of the chat spans and metrics (OpenTelemetry's GenAI conventions).</summary>
    public const string ActivitySourceName = "Aspire70B.Connector";

    /// <summary>
    /// Registers a singleton <see cref="IChatClient"/> for the Aspire70B gateway, and an <see cref="Aspire70B.Connector.Aspire70BChatClientSettings"/>
    /// with what was found. The settings come from <c>Aspire:Aspire70B:Chat</c>, then the connection string
    /// <c>ConnectionStrings:{connectionName}</c> (<c>Endpoint=…;Key=…;Model=…</c>) or else service discovery
    /// (<c>services:{connectionName}:https:0</c>, else <c>…:http:0</c>), then <paramref name="configureSettings"/>.
    /// They are checked when the client is first resolved.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The gateway's resource name in configuration.</param>
    /// <param name="configureSettings">Changes applied last, for example an explicit endpoint or key.</param>
    /// <returns>The builder of the registered client's pipeline, with the OpenTelemetry layer already inside (unless disabled).</returns>
    public static ChatClientBuilder AddAspire70BChatClient(
        this IHostApplicationBuilder builder, string connectionName = DefaultConnectionName, Action<Aspire70B.Connector.Aspire70BChatClientSettings>? configureSettings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        return Add(builder, connectionName, configureSettings, serviceKey: null);
    }

    /// <summary>
    /// Registers a keyed singleton <see cref="IChatClient"/> (and settings) under <paramref name="name"/>, which is also
    /// the connection name; settings bind from <c>Aspire:Aspire70B:Chat</c> and then <c>Aspire:Aspire70B:Chat:{name}</c>.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The service key and the gateway's resource name in configuration.</param>
    /// <param name="configureSettings">Changes applied last.</param>
    /// <returns>The builder of the registered client's pipeline.</returns>
    public static ChatClientBuilder AddKeyedAspire70BChatClient(
        this IHostApplicationBuilder builder, string name, Action<Aspire70B.Connector.Aspire70BChatClientSettings>? configureSettings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Add(builder, name, configureSettings, serviceKey: name);
    }

    private static ChatClientBuilder Add(
        IHostApplicationBuilder builder, string connectionName, Action<Aspire70B.Connector.Aspire70BChatClientSettings>? configureSettings, string? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = Aspire70B.Connector.Aspire70BSettingsBinder.Bind(builder.Configuration, connectionName, serviceKey, configureSettings);
        var httpClientName = Aspire70B.Connector.Aspire70BHttp.AddHttpClient(builder.Services, serviceKey);

        IChatClient Create(IServiceProvider services) => Aspire70B.Connector.Aspire70BChatClientFactory.Create(
            settings, services.GetRequiredService<IHttpClientFactory>().CreateClient(httpClientName), services.GetService<ILoggerFactory>());

        if (serviceKey is null)
        {
            builder.Services.AddSingleton(settings);
            return builder.Services.AddChatClient(Create);
        }

        builder.Services.AddKeyedSingleton(serviceKey, settings);
        return builder.Services.AddKeyedChatClient(serviceKey, Create);
    }
}
