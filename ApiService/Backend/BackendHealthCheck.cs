using Aspire70B.ApiService.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire70B.ApiService.Backend;

/// <summary>
/// Ready while the model server answers its <c>/health</c> (vLLM: 200 with an empty body). With several replicas each is
/// probed and reported in the result's data: Degraded while some are down, Unhealthy when all are. An overflow replica on
/// Modal is not probed (a probe would keep a container up); its circuit breaker speaks for it.
/// </summary>
internal sealed class BackendHealthCheck(IHttpClientFactory httpClientFactory, ModelReplicas replicas) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (replicas.Single is { } single)
        {
            return await ProbeAsync(single, cancellationToken);
        }

        var results = await Task.WhenAll(replicas.All.Select(r => ProbeAsync(r, cancellationToken)));
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < results.Length; i++)
        {
            data[replicas.All[i].Name] = $"{results[i].Status}: {results[i].Description}";
        }

        var up = results.Count(r => r.Status == HealthStatus.Healthy);
        var reachable = results.Count(r => r.Status != HealthStatus.Unhealthy);
        var summary = $"{up} of {results.Length} model replicas healthy";
        return reachable == 0 ? HealthCheckResult.Unhealthy(summary, data: data)
            : up < results.Length ? HealthCheckResult.Degraded(summary, data: data)
            : HealthCheckResult.Healthy(summary, data);
    }

    private async Task<HealthCheckResult> ProbeAsync(ModelReplica replica, CancellationToken cancellationToken)
    {
        var connection = replica.Connection;
        if (connection.IsModal && replica.Tier == ReplicaTier.Overflow)
        {
            return replica.Breaker.IsOpen
                ? HealthCheckResult.Degraded("overflow replica on Modal, not probed; recent requests failed (circuit open)")
                : HealthCheckResult.Healthy("overflow replica on Modal, not probed");
        }

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

            return replica.Breaker.IsOpen
                ? HealthCheckResult.Degraded("model server answers /health but recent requests failed (circuit open)")
                : HealthCheckResult.Healthy("model server reachable");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("model server unreachable");
        }
    }
}
