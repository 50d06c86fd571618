using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace Aspire70B.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry without OpenTelemetry.Extensions.Hosting (it does not restore here): logs through the SDK's logging
/// provider, traces and metrics through providers owned by the container (so the host's shutdown flushes them).
/// Nothing is wired unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set: a service without a collector pays nothing.
/// </summary>
internal static class OpenTelemetryExtensions
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static void AddOpenTelemetryExport(this IHostApplicationBuilder builder, TelemetryNames names)
    {
        var settings = OtlpSettings.From(builder.Configuration, builder.Environment.ApplicationName);
        if (settings is null)
        {
            return;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(settings.CreateResource());
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.AddOtlpExporter(o => settings.Apply(o, "v1/logs"));
        });
        builder.Services.AddSingleton(_ => new TelemetryProviders(settings, names));
        builder.Services.AddHostedService<TelemetryStartup>();
    }
}

/// <summary>The exporter's settings, read from configuration (environment variables included) by the OTel names.</summary>
internal sealed record OtlpSettings(Uri Endpoint, OtlpExportProtocol Protocol, string? Headers, string ServiceName, string? ResourceAttributes)
{
    public static OtlpSettings? From(IConfiguration configuration, string applicationName)
    {
        if (configuration[OpenTelemetryExtensions.EndpointKey] is not { Length: > 0 } endpoint
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] is { } p && p.StartsWith("http", StringComparison.OrdinalIgnoreCase)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
        return new OtlpSettings(uri, protocol, configuration["OTEL_EXPORTER_OTLP_HEADERS"],
            configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : applicationName,
            configuration["OTEL_RESOURCE_ATTRIBUTES"]);
    }

    public ResourceBuilder CreateResource()
    {
        var resource = ResourceBuilder.CreateDefault().AddService(ServiceName);
        var attributes = (ResourceAttributes ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Length > 0)
            .Select(pair => KeyValuePair.Create(pair[0], (object)Uri.UnescapeDataString(pair[1])));
        return resource.AddAttributes(attributes);
    }

    /// <summary>
    /// With http/protobuf each signal has its own path under the base endpoint (the SDK appends it only when it reads
    /// the environment itself; these options are set explicitly).
    /// </summary>
    public void Apply(OtlpExporterOptions options, string signalPath)
    {
        options.Protocol = Protocol;
        options.Endpoint = Protocol == OtlpExportProtocol.HttpProtobuf && signalPath.Length > 0
            ? new Uri(Endpoint, Endpoint.AbsolutePath.TrimEnd('/') + "/" + signalPath)
            : Endpoint;
        if (Headers is not null)
        {
            options.Headers = Headers;
        }
    }
}
