using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Logging;
using Aspire70B.Simulator.Options;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Extensions;

/// <summary>Logs what is being simulated once the options have been validated.</summary>
internal sealed class StartupReport(SimulatedDeployment deployment, IOptions<SimulatorOptions> options, ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        SimulatorLog.Started(logger, deployment.Profile.Name, deployment.ServedModelName, deployment.MaxModelLen,
            deployment.Plan.KvCacheTokens, deployment.MaxNumSeqs, deployment.DecodeTokensPerSecond, deployment.PrefillTokensPerSecond, o.TimeScale);
        if (o.EnableTestScripting || o.EnableFaultInjection)
        {
            SimulatorLog.TestHooksEnabled(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
