using Aspire70B.ServiceDefaults.Discovery;
using Aspire70B.ServiceDefaults.Resilience;
using Aspire70B.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Wiring every Aspire70B service shares, after Aspire's ServiceDefaults: OpenTelemetry (OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), health endpoints (<c>/health</c> ready: every check; <c>/alive</c> live:
/// checks tagged "live"), service discovery from <c>services:{name}:{endpoint}:{i}</c>, and resilience for every
/// HttpClient (retries for safe methods only, so streamed POSTs pass through untouched).
/// </summary>
public static class ServiceDefaultsExtensions
{
    private const string LiveTag = "live";

    /// <summary>Adds the shared wiring. <paramref name="configureTelemetry"/> adds a service's own sources and meters.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, Action<TelemetryNames>? configureTelemetry = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var names = TelemetryNames.Defaults();
        configureTelemetry?.Invoke(names);
        builder.AddOpenTelemetryExport(names);

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        builder.Services.TryAddSingleton<ServiceEndpointResolver>();
        builder.Services.ConfigureHttpClientDefaults(http => http
            .AddHttpMessageHandler(sp => new ServiceDiscoveryHandler(sp.GetRequiredService<ServiceEndpointResolver>()))
            .AddHttpMessageHandler(() => new StandardResilienceHandler(StandardResilienceHandler.CreatePipeline())));
        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health");
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        return app;
    }
}
