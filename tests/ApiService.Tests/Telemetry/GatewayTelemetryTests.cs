using System.Diagnostics;
using System.Diagnostics.Metrics;
using Aspire70B.ApiService.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Tests.Telemetry;

public sealed class GatewayTelemetryTests
{
    [Fact]
    public void AChatIsRecordedWithTheGenAiConventionsNamesUnitsAndAttributes()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var telemetry = new GatewayTelemetry(services.GetRequiredService<IMeterFactory>(), Options.Create(new GenAITelemetryOptions()));
        var measurements = new List<(string Instrument, string? Unit, double Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GatewayTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, i.Unit, v, ToDictionary(tags))));
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, i.Unit, v, ToDictionary(tags))));
        meters.Start();
        Activity? recorded = null;
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => recorded = a,
        };
        ActivitySource.AddActivityListener(activities);

        using (var activity = GatewayTelemetry.StartChat("llama-3.1-70b-instruct", 64, 0, 0.9))
        {
            telemetry.RecordChat(activity, new ChatOutcome("llama-3.1-70b-instruct", "chatcmpl-1", "miss", ["stop"], 120, 11, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(0.5), null));
        }

        Assert.NotNull(recorded);
        Assert.Equal("chat llama-3.1-70b-instruct", recorded.DisplayName);
        Assert.Equal(ActivityKind.Client, recorded.Kind);
        Assert.Equal("chat", recorded.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("vllm", recorded.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(64, recorded.GetTagItem("gen_ai.request.max_tokens"));
        Assert.Equal(120, recorded.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(11, recorded.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(new[] { "stop" }, recorded.GetTagItem("gen_ai.response.finish_reasons"));

        Assert.Equal(
            [("gen_ai.client.operation.duration", "s", 1.5), ("gen_ai.client.token.usage", "{token}", 120), ("gen_ai.client.token.usage", "{token}", 11),
             ("gen_ai.server.time_to_first_token", "s", 0.5), ("gen_ai.server.time_per_output_token", "s", 0.1)],
            measurements.Select(m => (m.Instrument, m.Unit, Math.Round(m.Value, 6))));
        Assert.Equal("input", measurements[1].Tags["gen_ai.token.type"]);
        Assert.Equal("output", measurements[2].Tags["gen_ai.token.type"]);
        Assert.All(measurements, m => Assert.Equal("llama-3.1-70b-instruct", m.Tags["gen_ai.request.model"]));
    }

    [Fact]
    public void AFailedChatRecordsItsErrorTypeAndNoTokenUsage()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var telemetry = new GatewayTelemetry(services.GetRequiredService<IMeterFactory>(), Options.Create(new GenAITelemetryOptions()));
        var names = new List<string>();
        object? errorType = null;
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GatewayTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<double>((i, _, tags, _) =>
        {
            names.Add(i.Name);
            errorType = ToDictionary(tags).GetValueOrDefault("error.type");
        });
        meters.SetMeasurementEventCallback<long>((i, _, _, _) => names.Add(i.Name));
        meters.Start();

        telemetry.RecordChat(null, new ChatOutcome("m", "chatcmpl-2", "bypass", [], 0, 0, TimeSpan.FromSeconds(2), null, "Unavailable"));

        Assert.Equal(["gen_ai.client.operation.duration"], names);
        Assert.Equal("Unavailable", errorType);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
