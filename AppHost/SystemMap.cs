using Aspire70B.AppHost.Cache;
using Aspire70B.AppHost.Hosting;
using Aspire70B.AppHost.Model;

namespace Aspire70B.AppHost;

/// <summary>The system, resource by resource: what each is, what it is given, and what it waits for.</summary>
internal static class SystemMap
{
    public static DistributedApplication Build(DistributedApplicationBuilder builder, SystemSettings settings)
    {
        var cache = builder.AddCache("cache", settings.Cache);

        var model = builder.AddModelServer("model", settings.Model);

        // Batches are data and the prompt cache is not: the services read them from separate connection strings.
        // Until the AppHost declares a durable `batches` server of its own, both names point at the cache server.
        var apiservice = builder.AddProject("apiservice", "ApiService", settings.ApiPort)
            .WithReference(cache).WithReference(cache, "batches").WaitFor(cache)
            .WithReference(model).WaitFor(model)
            .WithEnvironment("Gateway__Profile", settings.Model.Profile.Name)
            .WithHttpHealthCheck("health");

        builder.AddProject("worker", "Worker", http: false)
            .WithReference(cache, "batches").WaitFor(cache)
            .WithReference(apiservice).WaitFor(apiservice);

        return builder.Build();
    }
}

/// <summary>Everything decided before the first process starts.</summary>
internal sealed record SystemSettings(CacheChoice Cache, ModelServerSpec Model, int? ApiPort);
