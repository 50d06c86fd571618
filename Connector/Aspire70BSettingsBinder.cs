using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Aspire70B.Connector;

/// <summary>
/// The settings in Aspire's order: the <c>Aspire:Aspire70B:Chat</c> section (then <c>…:{key}</c> for a keyed client),
/// the connection string or service discovery, then the caller's delegate.
/// </summary>
internal static class Aspire70BSettingsBinder
{
    public static Aspire70BChatClientSettings Bind(
        IConfiguration configuration, string connectionName, string? serviceKey, Action<Aspire70BChatClientSettings>? configureSettings)
    {
        var settings = new Aspire70BChatClientSettings();
        var section = configuration.GetSection(Aspire70BChatClientExtensions.ConfigurationSectionName);
        section.Bind(settings);
        if (serviceKey is not null)
        {
            section.GetSection(serviceKey).Bind(settings);
        }

        Aspire70BEndpointDiscovery.Apply(configuration, connectionName, settings);
        configureSettings?.Invoke(settings);
        return settings;
    }
}
