using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire70B.Connector;

/// <summary>The connector's HTTP client: its primary handler and its registration with <see cref="IHttpClientFactory"/>.</summary>
internal static class Aspire70BHttp
{
    /// <summary>
    /// A handler that closes a response the caller stopped reading instead of draining it: an abandoned stream must
    /// reach the gateway as an abort at once, so the model stops generating for nobody.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        MaxResponseDrainSize = 0,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    /// <summary>
    /// Registers the named client (<see cref="Aspire70BChatClientExtensions.HttpClientName"/>, or <c>{name}.{key}</c>
    /// for a keyed client) and returns its name; registering the same name again adds nothing that changes it.
    /// </summary>
    public static string AddHttpClient(IServiceCollection services, string? serviceKey)
    {
        var name = serviceKey is null ? Aspire70BChatClientExtensions.HttpClientName : $"{Aspire70BChatClientExtensions.HttpClientName}.{serviceKey}";
        services.AddHttpClient(name)
            // The settings' NetworkTimeout governs; HttpClient's own 100 s would cut a long answer first.
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(CreateHandler)
            // A chat outlives the standard 10 s attempt timeout (dotnet/extensions#6258): the defaults' resilience goes.
            .ConfigureAdditionalHttpMessageHandlers(static (handlers, _) => RemoveResilienceHandlers(handlers));
        return name;
    }

    private static void RemoveResilienceHandlers(IList<DelegatingHandler> handlers)
    {
        for (var i = handlers.Count - 1; i >= 0; i--)
        {
            if (handlers[i] is Microsoft.Extensions.Http.Resilience.ResilienceHandler)
            {
                handlers.RemoveAt(i);
            }
        }
    }
}
