using Aspire70B.ApiService.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Aspire70B.ApiService.Tests.Caching;

/// <summary>A started host with exactly the gateway's Redis registration (<c>AddRedisClients</c>) for the given connection strings.</summary>
internal sealed class RedisClients : IAsyncDisposable
{
    private readonly IHost _host;

    private RedisClients(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public IConnectionMultiplexer Cache => Services.GetRequiredService<IConnectionMultiplexer>();

    public IConnectionMultiplexer Batches => Services.GetRequiredKeyedService<IConnectionMultiplexer>(RedisClientExtensions.BatchesKey);

    public static async Task<RedisClients> StartAsync(string? cache, string? batches = null, bool cacheEnabled = true, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:cache"] = cache,
            ["ConnectionStrings:batches"] = batches,
            ["PromptCache:Enabled"] = cacheEnabled ? "true" : "false",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Services.AddLogging();
        builder.AddRedisClients();
        var host = builder.Build();
        await host.StartAsync();
        return new RedisClients(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
