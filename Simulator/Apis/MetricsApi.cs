using Aspire70B.Simulator.Metrics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Aspire70B.Simulator.Apis;

/// <summary><c>GET /metrics</c>: vLLM's Prometheus metrics in the text format.</summary>
internal static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/metrics", Scrape);
        return routes;
    }

    private static ContentHttpResult Scrape(VllmMetrics metrics) => TypedResults.Text(metrics.Render(), VllmMetrics.ContentType);
}
