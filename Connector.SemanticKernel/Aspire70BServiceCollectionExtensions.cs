using Aspire70B.Connector;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Microsoft.SemanticKernel;

/// <summary>
/// Registers the Aspire70B gateway as a Semantic Kernel <see cref="IChatCompletionService"/>, built on the Connector's
/// <see cref="IChatClient"/>, so prompts, agents and auto function calling (<c>FunctionChoiceBehavior.Auto()</c>) go
/// through the same client, settings and telemetry as <c>AddAspire70BChatClient</c>.
/// </summary>
public static class Aspire70BServiceCollectionExtensions
{
    /// <summary>
    /// Adds an <see cref="IChatCompletionService"/> for the Aspire70B gateway, keyed by <paramref name="serviceId"/> when one is given.
    /// The settings are read when the service is first resolved, in the client integration's order: the
    /// <c>Aspire:Aspire70B:Chat</c> section (then <c>…:{serviceId}</c>), the connection string
    /// <c>ConnectionStrings:{connectionName}</c> or service discovery (<c>services:{connectionName}:https:0</c>, else
    /// <c>…:http:0</c>), then <paramref name="configureSettings"/>; from the provider's <see cref="IConfiguration"/>, or
    /// from the environment variables (<c>services__apiservice__http__0</c>) when the provider has none, as in a
    /// <c>Kernel.CreateBuilder()</c>.
    /// </summary>
    /// <param name="services">The services of the kernel or of the host.</param>
    /// <param name="connectionName">The gateway's resource name in configuration.</param>
    /// <param name="configureSettings">Changes applied last, for example an explicit endpoint or key.</param>
    /// <param name="serviceId">Semantic Kernel's service id: the key the service is registered under; none when null.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddAspire70BChatCompletion(
        this IServiceCollection services,
        string connectionName = Microsoft.Extensions.Hosting.Aspire70BChatClientExtensions.DefaultConnectionName,
        Action<Aspire70BChatClientSettings>? configureSettings = null,
        string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        var httpClientName = Aspire70BHttp.AddHttpClient(services, serviceId);

        IChatCompletionService Create(IServiceProvider provider, object? key)
        {
            var configuration = provider.GetService<IConfiguration>() ?? new ConfigurationBuilder().AddEnvironmentVariables().Build();
            var settings = Aspire70BSettingsBinder.Bind(configuration, connectionName, serviceId, configureSettings);
            var loggerFactory = provider.GetService<ILoggerFactory>();
            var client = Aspire70BChatClientFactory.Create(settings, provider.GetRequiredService<IHttpClientFactory>().CreateClient(httpClientName), loggerFactory);
            // Semantic Kernel's own invoking layer, not Microsoft.Extensions.AI's: it runs the kernel's functions and
            // its IAutoFunctionInvocationFilters for FunctionChoiceBehavior.Auto(); AsChatCompletionService alone does not invoke.
            return client.AsBuilder().UseKernelFunctionInvocation(loggerFactory).Build(provider).AsChatCompletionService(provider);
        }

        // A null key registers an ordinary (non-keyed) service, as Semantic Kernel's own Add…ChatCompletion do.
        services.AddKeyedSingleton<IChatCompletionService>(serviceId, Create);
        return services;
    }
}
