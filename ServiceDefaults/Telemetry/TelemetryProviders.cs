using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Aspire70B.ServiceDefaults.Telemetry;

/// <summary>The tracer and meter providers; created by the container, disposed (and so flushed) at shutdown.</summary>
internal sealed class TelemetryProviders : IDisposable
{
    private readonly TracerProvider _tracing;
    private readonly MeterProvider _metrics;

    public TelemetryProviders(OtlpSettings settings, TelemetryNames names)
    {
        _tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(settings.CreateResource())
            .AddSource([.. names.ActivitySources])
            .AddOtlpExporter(o => settings.Apply(o, "v1/traces"))
            .Build();
        _metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(settings.CreateResource())
            .AddMeter([.. names.Meters])
            .AddOtlpExporter(o => settings.Apply(o, "v1/metrics"))
            .Build();
    }

    public void Dispose()
    {
        _tracing.Dispose();
        _metrics.Dispose();
    }
}

/// <summary>Creates the providers when the host starts, before the first request.</summary>
internal sealed class TelemetryStartup(TelemetryProviders providers) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(providers);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
