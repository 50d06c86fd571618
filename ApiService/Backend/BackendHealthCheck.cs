using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire70B.ApiService.Backend;

/// <summary>Ready only while the model server answers its <c>/health</c> (vLLM: 200 with an empty body).</summary>
internal sealed class BackendHealthCheck(IHttpClientFactory httpClientFactory, ModelConnection connection, CircuitBreaker breaker) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var http = httpClientFactory.CreateClient(nameof(BackendHealthCheck));
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(connection.Endpoint, "health"));
            if (connection.ModalKey is { } key && connection.ModalSecret is { } secret)
            {
                request.Headers.Add("Modal-Key", key);
                request.Headers.Add("Modal-Secret", secret);
            }

            using var response = await http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return HealthCheckResult.Unhealthy($"model server answered /health with {(int)response.StatusCode}");
            }

            return breaker.IsOpen
                ? HealthCheckResult.Degraded("model server answers /health but recent requests failed (circuit open)")
                : HealthCheckResult.Healthy("model server reachable");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("model server unreachable");
        }
    }
}
