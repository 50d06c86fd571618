using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Aspire70B.AppHost.Tests.System;

/// <summary>
/// One AppHost run shared by the system tests: the default command (simulator, redis-server from PATH) at time scale 0,
/// exporting telemetry to an in-test OTLP collector through the AppHost's own environment.
/// </summary>
public sealed class RunningSystem : IAsyncLifetime
{
    public static readonly TimeSpan ReadinessBound = TimeSpan.FromSeconds(60);

    internal AppHostProcess AppHost { get; private set; } = null!;

    internal OtlpReceiver Collector { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> Endpoints { get; private set; } = null!;

    public TimeSpan TimeToReady { get; private set; }

    public Uri ApiService => new(Endpoints["apiservice"] + "/");

    public async Task InitializeAsync()
    {
        Collector = new OtlpReceiver(FreePort());
        AppHost = AppHostProcess.Start(["--time-scale", "0"], new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Collector.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        });
        var clock = global::System.Diagnostics.Stopwatch.StartNew();
        Endpoints = await AppHost.WaitUntilReadyAsync(ReadinessBound);
        TimeToReady = clock.Elapsed;
    }

    public async Task DisposeAsync()
    {
        await AppHost.DisposeAsync();
        await Collector.DisposeAsync();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static int PortOf(string url) => new Uri(url).Port;

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
