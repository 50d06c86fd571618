using System.Data.Common;
using Microsoft.Extensions.Configuration;

namespace Aspire70B.Connector;

/// <summary>
/// Finds the gateway the way .NET Aspire passes it to a service: first a connection string
/// <c>ConnectionStrings:{name}</c> (<c>Endpoint=…;Key=…;Model=…</c>, or a bare URI), then the service-discovery keys
/// <c>services:{name}:https:0</c> and <c>services:{name}:http:0</c>.
/// </summary>
internal static class Aspire70BEndpointDiscovery
{
    public static void Apply(IConfiguration configuration, string name, Aspire70BChatClientSettings settings)
    {
        if (configuration.GetConnectionString(name) is { Length: > 0 } connectionString)
        {
            ApplyConnectionString(connectionString, name, settings);
            return;
        }

        if ((configuration[$"services:{name}:https:0"] ?? configuration[$"services:{name}:http:0"]) is { Length: > 0 } address)
        {
            settings.Endpoint = Parse(address, $"services:{name}");
        }
    }

    private static void ApplyConnectionString(string connectionString, string name, Aspire70BChatClientSettings settings)
    {
        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var bare) && bare.Scheme is "http" or "https")
        {
            settings.Endpoint = bare;
            return;
        }

        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!builder.TryGetValue("Endpoint", out var endpoint) || endpoint is not string { Length: > 0 } address)
        {
            throw new InvalidOperationException($"The connection string '{name}' has no Endpoint: expected 'Endpoint=http://host:port;Key=…;Model=…'.");
        }

        settings.Endpoint = Parse(address, $"ConnectionStrings:{name}");
        if (builder.TryGetValue("Key", out var key) && key is string { Length: > 0 } apiKey)
        {
            settings.Key = apiKey;
        }

        if (builder.TryGetValue("Model", out var model) && model is string { Length: > 0 } modelId)
        {
            settings.Model = modelId;
        }
    }

    private static Uri Parse(string address, string source) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"{source} is not an absolute URI: '{address}'.");
}
