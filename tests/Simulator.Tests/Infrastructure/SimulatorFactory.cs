using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire70B.Simulator.Tests.Infrastructure;

/// <summary>
/// The Simulator in memory, configured the way an orchestrator would (the <c>Simulator</c> configuration section),
/// with an optional clock. Time scale 0 and echo mode unless a test says otherwise.
/// </summary>
public sealed class SimulatorFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _time;

    public SimulatorFactory(IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["Simulator:Profile"] = "awq-int4-a100",
            ["Simulator:TimeScale"] = "0",
            ["Simulator:Mode"] = "echo",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        _time = time;
    }

    /// <summary>An in-memory simulator on a fixed clock (<see cref="FakeTimeProvider.Epoch"/>), for golden outputs.</summary>
    public static SimulatorFactory Fixed(IDictionary<string, string?>? settings = null) =>
        new(settings, new FakeTimeProvider(FakeTimeProvider.Epoch, autoAdvance: true));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_time is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(_time));
        }
    }
}
