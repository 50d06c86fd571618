using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Aspire70B.Connector;

/// <summary>Registers the Aspire70B <see cref="IChatClient"/> with dependency injection.</summary>
public static class Aspire70BServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the chat client uses; configure it to add handlers.</summary>
    public const string HttpClientName = "Aspire70B.Connector";

    /// <summary>The Aspire resource name of the gateway, as the AppHost calls it.</summary>
    public const string DefaultConnectionName = "apiservice";

    /// <summary>
    /// Registers a singleton <see cref="IChatClient"/> for the Aspire70B gateway. The endpoint, key and model come from
    /// configuration by Aspire's conventions — <c>ConnectionStrings:{connectionName}</c>
    /// (<c>Endpoint=…;Key=…;Model=…</c>), else <c>services:{connectionName}:https:0</c>, else
    /// <c>services:{connectionName}:http:0</c> — and then <paramref name="configure"/>. The options are validated
    /// when the host starts, or at the first resolution without a host.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionName">The gateway's resource name in configuration.</param>
    /// <param name="configure">Changes applied after discovery, for example an explicit endpoint or key.</param>
    /// <returns>The builder of the named <see cref="HttpClient"/>, to add <see cref="DelegatingHandler"/>s or resilience.</returns>
    public static IHttpClientBuilder AddAspire70BChatClient(
        this IServiceCollection services, string connectionName = DefaultConnectionName, Action<Aspire70BChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        services.AddOptions<Aspire70BChatClientOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<Aspire70BChatClientOptions>>(provider => new ConfigureOptions<Aspire70BChatClientOptions>(options =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                Aspire70BEndpointDiscovery.Apply(configuration, connectionName, options);
            }
        }));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Aspire70BChatClientOptions>, Aspire70BChatClientOptionsValidator>());
        services.AddSingleton<IChatClient>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<Aspire70BChatClientOptions>>().Value;
            var factory = provider.GetRequiredService<IHttpClientFactory>();
            return new Aspire70BChatClient(options, () => factory.CreateClient(HttpClientName));
        });

        return services.AddHttpClient(HttpClientName)
            .ConfigureHttpClient((provider, client) => client.Timeout = provider.GetRequiredService<IOptions<Aspire70BChatClientOptions>>().Value.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(Aspire70BHttp.CreateHandler)
            // A chat outlives the standard 10 s attempt timeout (dotnet/extensions#6258): the defaults' resilience goes.
            .ConfigureAdditionalHttpMessageHandlers(static (handlers, _) => RemoveResilienceHandlers(handlers));
    }

    /// <summary>
    /// Registers a singleton <see cref="IChatClient"/> for the Aspire70B gateway, discovered from the builder's
    /// configuration; see <see cref="AddAspire70BChatClient(IServiceCollection, string, Action{Aspire70BChatClientOptions})"/>.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The gateway's resource name in configuration.</param>
    /// <param name="configure">Changes applied after discovery.</param>
    /// <returns>The builder of the named <see cref="HttpClient"/>.</returns>
    public static IHttpClientBuilder AddAspire70BChatClient(
        this IHostApplicationBuilder builder, string connectionName = DefaultConnectionName, Action<Aspire70BChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddAspire70BChatClient(connectionName, configure);
    }

    private static void RemoveResilienceHandlers(IList<DelegatingHandler> handlers)
    {
        for (var i = handlers.Count - 1; i >= 0; i--)
        {
            if (handlers[i] is ResilienceHandler)
            {
                handlers.RemoveAt(i);
            }
        }
    }
}
