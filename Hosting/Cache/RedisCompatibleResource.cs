using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Aspire70B.Hosting.Cache;

/// <summary>
/// A Redis-compatible server run as a process of this machine (<c>redis-server</c> or Garnet), reachable through its
/// <c>tcp</c> endpoint; its connection string is StackExchange.Redis's <c>host:port</c>.
/// </summary>
public sealed class RedisCompatibleResource(string name, string command, string workingDirectory, CacheSource source)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    /// <summary>The endpoint's name.</summary>
    public const string EndpointName = "tcp";

    /// <summary>Which server it is.</summary>
    public CacheSource Source { get; } = source;

    /// <summary>Where a durable server keeps its data (null: nothing is kept).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The endpoint clients connect to.</summary>
    public EndpointReference PrimaryEndpoint => this.GetEndpoint(EndpointName);

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
