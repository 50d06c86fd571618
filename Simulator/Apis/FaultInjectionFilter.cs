using Aspire70B.Simulator.Faults;
using Aspire70B.Simulator.Logging;
using Aspire70B.Simulator.Options;
using Aspire70B.Simulator.Protocol;
using Aspire70B.Simulator.Streaming;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Apis;

/// <summary>When fault injection is enabled, fails a request that asks for it (<c>X-Sim-Fail-Status</c>) before any work.</summary>
internal sealed class FaultInjectionFilter(IOptions<SimulatorOptions> options, ILogger<FaultInjectionFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (options.Value.EnableFaultInjection && FaultPlan.FromHeaders(context.HttpContext.Request.Headers) is { FailsAtOnce: true } faults)
        {
            SimulatorLog.FaultInjected(logger, $"failed with status {faults.FailStatus}");
            return RawJsonResult.Error(VllmError.ForStatus(faults.FailStatus!.Value, "Simulated engine failure."));
        }

        return await next(context).ConfigureAwait(false);
    }
}
