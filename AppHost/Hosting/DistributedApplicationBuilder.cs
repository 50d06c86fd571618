namespace Aspire70B.AppHost.Hosting;

/// <summary>
/// Collects the resources of the system in the order they are declared, as Aspire's builder does; ports are chosen
/// here, when a resource is added, so references can be wired before anything starts.
/// </summary>
internal sealed class DistributedApplicationBuilder(HostPaths paths, ResourceConsole console)
{
    private readonly List<Resource> _resources = [];

    public HostPaths Paths { get; } = paths;

    public ResourceConsole Console { get; } = console;

    /// <summary>A .NET project of this repository, started from its build output on a free (or the given) port.</summary>
    public ResourceBuilder AddProject(string name, string project, int? port = null, bool http = true)
    {
        var resource = Add(name);
        // The working directory is the build output, so the service finds its appsettings.json as under 'dotnet run'.
        resource.Launch = new ProcessLaunch(Paths.Dotnet, [Paths.ServiceAssembly(project)], Path.GetDirectoryName(Paths.ServiceAssembly(project)));
        resource.Source = Path.GetRelativePath(Paths.RepositoryRoot, Path.GetDirectoryName(Paths.ServiceAssembly(project))!);
        resource.Environment["OTEL_SERVICE_NAME"] = name;
        if (http)
        {
            resource.Endpoint = new Uri($"http://127.0.0.1:{port ?? PortAllocator.FreePort()}");
            resource.Environment["ASPNETCORE_URLS"] = resource.Endpoint.ToString().TrimEnd('/');
        }

        return new ResourceBuilder(resource);
    }

    /// <summary>Any executable; its endpoint, connection string and readiness are set by the caller.</summary>
    public ResourceBuilder AddExecutable(string name, ProcessLaunch launch, string source)
    {
        var resource = Add(name);
        resource.Launch = launch;
        resource.Source = source;
        return new ResourceBuilder(resource);
    }

    /// <summary>A resource that already runs elsewhere: only its address is given to others, once its check passes.</summary>
    public ResourceBuilder AddExternal(string name, string source)
    {
        var resource = Add(name);
        resource.Source = source;
        return new ResourceBuilder(resource);
    }

    public DistributedApplication Build() => new(_resources, Paths, Console);

    private Resource Add(string name)
    {
        if (_resources.Exists(r => r.Name == name))
        {
            throw new InvalidOperationException($"A resource named '{name}' exists already.");
        }

        var resource = new Resource(name);
        _resources.Add(resource);
        return resource;
    }
}
