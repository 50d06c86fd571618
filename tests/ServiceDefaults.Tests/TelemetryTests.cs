using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Aspire70B.ServiceDefaults.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task OurSourcesAreExportedAndAnotherOnlyWhenTheServiceAddsIt()
    {
        var suffix = Guid.NewGuid().ToString("N");
        using var ours = new ActivitySource($"Aspire70B.Tests.{suffix}");
        using var added = new ActivitySource($"Elsewhere.Added.{suffix}");
        using var other = new ActivitySource($"Elsewhere.Other.{suffix}");
        var spans = new List<Activity>();
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(added.Name).AddInMemoryExporter(spans));
        using var host = builder.Build();
        await host.StartAsync();

        foreach (var source in new[] { ours, added, other })
        {
            source.StartActivity("work")?.Dispose();
        }

        await host.StopAsync();
        Assert.Equal([ours.Name, added.Name], spans.Select(s => s.Source.Name).Where(n => n.EndsWith(suffix, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task OurMetersAndTheRuntimesAreExportedAndOthersAreNot()
    {
        var suffix = Guid.NewGuid().ToString("N");
        using var ours = new Meter($"Aspire70B.Tests.{suffix}");
        using var other = new Meter($"Elsewhere.Other.{suffix}");
        var metrics = new List<Metric>();
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddInMemoryExporter(metrics));
        using var host = builder.Build();
        await host.StartAsync();

        ours.CreateCounter<long>("requests").Add(1);
        other.CreateCounter<long>("requests").Add(1);
        Assert.True(host.Services.GetRequiredService<MeterProvider>().ForceFlush());

        var meters = metrics.Select(m => m.MeterName).ToHashSet();
        Assert.Contains(ours.Name, meters);
        Assert.DoesNotContain(other.Name, meters);
        Assert.Contains("System.Runtime", meters);
        await host.StopAsync();
    }

    [Fact]
    public async Task RequestsAndOutgoingCallsAreTracedButHealthProbesAreNot()
    {
        var spans = new ConcurrentQueue<Activity>();
        var builder = TestWebApp.CreateBuilder();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(new QueueExporter(spans))));
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/work", () => Results.Text("done"));
        await app.StartAsync();
        var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        using var test = new ActivitySource($"Aspire70B.Tests.{Guid.NewGuid():N}");
        ActivityTraceId trace;
        using (var parent = test.StartActivity("probe and work"))
        {
            Assert.NotNull(parent);
            trace = parent.TraceId;
            foreach (var path in new[] { "/health", "/alive", "/work" })
            {
                using var response = await client.GetAsync(new Uri(app.BaseAddress(), path));
                response.EnsureSuccessStatusCode();
            }
        }

        await app.StopAsync();
        var inTrace = spans.Where(s => s.TraceId == trace).ToList();
        Assert.Equal(["/work"], inTrace.Where(s => s.Kind == ActivityKind.Server).Select(s => s.GetTagItem("url.path")));
        Assert.Equal(3, inTrace.Count(s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http"));
    }

    [Fact]
    public async Task WithAnOtlpEndpointConfiguredSpansAreSentThere()
    {
        var received = new ConcurrentQueue<string>();
        var collectorBuilder = WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = collectorBuilder.Build();
        collector.MapPost("/{**signal}", (HttpRequest request) =>
        {
            received.Enqueue(request.Path);
            return Results.Ok();
        });
        await collector.StartAsync();

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress().AbsoluteUri;
        builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        builder.AddServiceDefaults();
        using var host = builder.Build();
        await host.StartAsync();
        using var source = new ActivitySource($"Aspire70B.Tests.{Guid.NewGuid():N}");
        var provider = host.Services.GetRequiredService<TracerProvider>();

        // On a loaded machine one export may be lost to timing (it once arrived empty in CI): send spans until one
        // reaches the collector, bounded generously.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!received.Contains("/v1/traces") && DateTime.UtcNow < deadline)
        {
            source.StartActivity("work")?.Dispose();
            provider.ForceFlush(10_000);
            await Task.Delay(100);
        }

        await host.StopAsync();
        Assert.Contains("/v1/traces", received);
    }

    private sealed class QueueExporter(ConcurrentQueue<Activity> spans) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var activity in batch)
            {
                spans.Enqueue(activity);
            }

            return ExportResult.Success;
        }
    }
}
