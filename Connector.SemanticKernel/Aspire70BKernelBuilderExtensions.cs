using Aspire70B.Connector;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.SemanticKernel;

/// <summary>Adds the Aspire70B gateway to a kernel being built (<c>Kernel.CreateBuilder()</c>).</summary>
public static class Aspire70BKernelBuilderExtensions
{
    /// <summary>
    /// Adds an <see cref="ChatCompletion.IChatCompletionService"/> for the Aspire70B gateway to the kernel's services;
    /// see <see cref="Aspire70BServiceCollectionExtensions.AddAspire70BChatCompletion"/> for where the settings come from.
    /// </summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="connectionName">The gateway's resource name in configuration.</param>
    /// <param name="configureSettings">Changes applied last, for example an explicit endpoint or key.</param>
    /// <param name="serviceId">Semantic Kernel's service id: the key the service is registered under; none when null.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IKernelBuilder AddAspire70BChatCompletion(
        this IKernelBuilder builder,
        string connectionName = Microsoft.Extensions.Hosting.Aspire70BChatClientExtensions.DefaultConnectionName,
        Action<Aspire70BChatClientSettings>? configureSettings = null,
        string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAspire70BChatCompletion(connectionName, configureSettings, serviceId);
        return builder;
    }
}
