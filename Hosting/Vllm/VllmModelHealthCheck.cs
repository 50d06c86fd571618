using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire70B.Hosting.Vllm;

/// <summary>Healthy while the server answers <c>/health</c> and lists the model on <c>/v1/models</c>.</summary>
internal sealed class VllmModelHealthCheck(VllmModelResource model, HttpClient http) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var timeout = model.Server.Kind == VllmServerKind.Modal ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(5);
        var result = await new VllmProbe(model, http).ProbeAsync(timeout, cancellationToken);
        return result.Ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(result.Detail);
    }
}
