namespace Aspire70B.AppHost.Hosting;

/// <summary>The fluent surface of a resource, as in Aspire: <c>.WithReference(cache).WaitFor(model)</c>.</summary>
internal sealed class ResourceBuilder(Resource resource)
{
    public Resource Resource { get; } = resource;

    /// <summary>
    /// Gives this resource the other's address by Aspire's contract: <c>ConnectionStrings__{name}</c> when it has a
    /// connection string, otherwise <c>services__{name}__{scheme}__0</c> for its endpoint.
    /// </summary>
    public ResourceBuilder WithReference(ResourceBuilder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Resource.References.Add(other.Resource);
        return this;
    }

    /// <summary>
    /// Gives this resource <paramref name="other"/>'s connection string as <c>ConnectionStrings__{connectionName}</c>,
    /// for a server that plays a second role (Aspire's <c>WithReference(resource, connectionName)</c>).
    /// </summary>
    public ResourceBuilder WithReference(ResourceBuilder other, string connectionName)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        Resource.NamedReferences[connectionName] = other.Resource;
        return this;
    }

    /// <summary>Starts this resource only once <paramref name="other"/> is ready.</summary>
    public ResourceBuilder WaitFor(ResourceBuilder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Resource.WaitsFor.Add(other.Resource);
        return this;
    }

    public ResourceBuilder WithEnvironment(string name, string value)
    {
        Resource.Environment[name] = value;
        return this;
    }

    /// <summary>Ready once <c>GET {endpoint}{path}</c> answers 2xx.</summary>
    public ResourceBuilder WithHttpHealthCheck(string path)
    {
        var endpoint = Resource.Endpoint ?? throw new InvalidOperationException($"{Resource.Name} has no HTTP endpoint to check.");
        Resource.Readiness = new HttpReadinessCheck(new Uri(endpoint, path));
        return this;
    }

    public ResourceBuilder WithStartupTimeout(TimeSpan timeout, TimeSpan? progressInterval = null)
    {
        Resource.StartupTimeout = timeout;
        Resource.ProgressInterval = progressInterval;
        return this;
    }
}
