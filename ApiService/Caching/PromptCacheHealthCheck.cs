using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire70B.ApiService.Caching;

/// <summary>Reports the cache's state. A degraded cache never makes the gateway unready: requests go to the model instead.</summary>
internal sealed class PromptCacheHealthCheck(PromptCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(cache.State switch
        {
            PromptCacheState.Healthy => HealthCheckResult.Healthy("prompt cache connected"),
            PromptCacheState.Disabled => HealthCheckResult.Healthy("prompt cache disabled"),
            _ => HealthCheckResult.Degraded($"prompt cache degraded ({cache.LastError ?? "disconnected"}); serving without it"),
        });
}
