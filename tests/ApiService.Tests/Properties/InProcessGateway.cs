using Aspire70B.ApiService.Tests.Infrastructure;
using Aspire70B.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Aspire70B.ApiService.Tests.Properties;

/// <summary>
/// The gateway in memory (<see cref="WebApplicationFactory{TEntryPoint}"/>, Development environment, so the developer
/// exception page is there to leak if anything escapes), in front of a real Simulator process and with a real Redis
/// as its batch store; no prompt cache and no rate limit, so thousands of generated requests each get the full path.
/// </summary>
public sealed class InProcessGateway : IAsyncLifetime
{
    private WebApplicationFactory<Program> _factory = null!;

    public RedisServer Batches { get; private set; } = null!;

    public ServiceProcess Simulator { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Batches = await RedisServer.StartAsync(RedisKind.Redis);
        Simulator = await SystemProcesses.StartSimulatorAsync();
        _factory = new Factory(new Dictionary<string, string>
        {
            ["ConnectionStrings:model"] = $"Endpoint={Simulator.BaseAddress};Model={SystemProcesses.Model}",
            ["ConnectionStrings:batches"] = Batches.ConnectionString,
            ["Gateway:Profile"] = SystemProcesses.Profile,
            ["PromptCache:Enabled"] = "false",
            ["RateLimit:PermitsPerMinute"] = "100000",
            ["RateLimit:Burst"] = "100000",
            ["Backend:BreakerFailureThreshold"] = "1000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Aspire70B.ApiService.Errors.ErrorHandlingMiddleware"] = "Critical",
        });
        Client = _factory.CreateClient();
        Client.Timeout = Aspire70B.Tests.Shared.PropertyRuns.RequestBound;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        await Simulator.DisposeAsync();
        await Batches.DisposeAsync();
    }

    private sealed class Factory(Dictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, LoopbackCaller>());
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InProcessGatewayTests : ICollectionFixture<InProcessGateway>
{
    public const string Name = "in-process gateway";
}
