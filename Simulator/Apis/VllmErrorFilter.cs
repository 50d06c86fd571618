using Aspire70B.Simulator.Logging;
using Aspire70B.Simulator.Protocol;
using Aspire70B.Simulator.Streaming;

namespace Aspire70B.Simulator.Apis;

/// <summary>Answers a request that failed its checks with vLLM's error object and status.</summary>
internal sealed class VllmErrorFilter(ILogger<VllmErrorFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (VllmErrorException e)
        {
            SimulatorLog.RequestRejected(logger, e.Error.Code, e.Error.Message);
            return RawJsonResult.Error(e.Error);
        }
    }
}
