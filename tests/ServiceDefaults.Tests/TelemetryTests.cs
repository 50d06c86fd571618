using Aspire70B.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Aspire70B.ServiceDefaults.Tests;

public sealed class TelemetryTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void NothingIsExportedWithoutAnEndpoint()
    {
        Assert.Null(OtlpSettings.From(Configuration(("OTEL_SERVICE_NAME", "apiservice")), "Aspire70B.ApiService"));
    }

    [Fact]
    public void GrpcIsTheDefaultAndTheServiceNameFallsBackToTheApplication()
    {
        var settings = OtlpSettings.From(Configuration(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317")), "Aspire70B.ApiService")!;
        var options = new OtlpExporterOptions();
        settings.Apply(options, "v1/traces");

        Assert.Equal(OtlpExportProtocol.Grpc, options.Protocol);
        Assert.Equal(new Uri("http://localhost:4317"), options.Endpoint);
        Assert.Equal("Aspire70B.ApiService", settings.ServiceName);
    }

    [Fact]
    public void HttpProtobufSendsEachSignalToItsOwnPath()
    {
        var settings = OtlpSettings.From(Configuration(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_SERVICE_NAME", "apiservice")), "Aspire70B.ApiService")!;
        var traces = new OtlpExporterOptions();
        var logs = new OtlpExporterOptions();
        settings.Apply(traces, "v1/traces");
        settings.Apply(logs, "v1/logs");

        Assert.Equal(OtlpExportProtocol.HttpProtobuf, traces.Protocol);
        Assert.Equal(new Uri("http://localhost:4318/v1/traces"), traces.Endpoint);
        Assert.Equal(new Uri("http://localhost:4318/v1/logs"), logs.Endpoint);
        Assert.Equal("apiservice", settings.ServiceName);
    }

    [Fact]
    public void TheResourceCarriesTheServiceNameAndTheGivenAttributes()
    {
        var settings = OtlpSettings.From(Configuration(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317"),
            ("OTEL_SERVICE_NAME", "apiservice"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=apiservice-42, deployment.environment=dev%20box")), "x")!;

        var attributes = settings.CreateResource().Build().Attributes.ToDictionary(a => a.Key, a => a.Value);

        Assert.Equal("apiservice", attributes["service.name"]);
        Assert.Equal("apiservice-42", attributes["service.instance.id"]);
        Assert.Equal("dev box", attributes["deployment.environment"]);
    }

    [Fact]
    public void TheDefaultsExportDotnetsBuiltInSourcesAndEveryAspire70BName()
    {
        var names = TelemetryNames.Defaults();

        Assert.Equal(["Microsoft.AspNetCore", "System.Net.Http", "Aspire70B.*"], names.ActivitySources);
        Assert.Contains("System.Runtime", names.Meters);
        Assert.Contains("Microsoft.AspNetCore.Hosting", names.Meters);
        Assert.Contains("Aspire70B.*", names.Meters);
    }
}
