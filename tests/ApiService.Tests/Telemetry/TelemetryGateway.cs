using System.Diagnostics;
using Aspire70B.ApiService.Tests.Infrastructure;
using Aspire70B.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Aspire70B.ApiService.Tests.Telemetry;

/// <summary>
/// A real Simulator process (test scripting and faults on) and a real redis-server as the prompt cache, shared by the
/// telemetry tests; each test starts its own in-memory gateway (<see cref="StartAsync"/>) whose spans and metrics go
/// to OpenTelemetry's in-memory exporter, so what a test reads is exactly what its own requests produced.
/// </summary>
public sealed class TelemetryGateway : IAsyncLifetime
{
    public RedisServer Cache { get; private set; } = null!;

    public ServiceProcess Simulator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cache = await RedisServer.StartAsync(RedisKind.Redis);
        Simulator = await SystemProcesses.StartSimulatorAsync();
    }

    public async Task DisposeAsync()
    {
        await Simulator.DisposeAsync();
        await Cache.DisposeAsync();
    }

    /// <summary>A gateway in memory, with or without prompts and answers on its spans, once it reports itself healthy;
    /// <paramref name="extra"/> settings override the fixture's (another model server, say).</summary>
    public async Task<TracedGateway> StartAsync(bool captureContent, IReadOnlyDictionary<string, string>? extra = null)
    {
        var gateway = Start(captureContent, extra ?? new Dictionary<string, string>());
        await gateway.WaitUntilHealthyAsync();
        return gateway;
    }

    private TracedGateway Start(bool captureContent, IReadOnlyDictionary<string, string> extra) => new(Settings(captureContent).Concat(extra)
        .GroupBy(s => s.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal));

    private Dictionary<string, string> Settings(bool captureContent) => new()
    {
        ["ConnectionStrings:model"] = $"Endpoint={Simulator.BaseAddress};Model={SystemProcesses.Model}",
        ["ConnectionStrings:cache"] = Cache.ConnectionString,
        ["ConnectionStrings:batches"] = Cache.ConnectionString,
        ["Gateway:Profile"] = SystemProcesses.Profile,
        ["Backend:RetryDelay"] = "00:00:00.050",
        ["Backend:ForwardHeaders:0"] = "X-Sim-Completion",
        ["Backend:ForwardHeaders:1"] = "X-Sim-Fail-Status",
        ["Backend:ForwardHeaders:2"] = "X-Sim-Fail-After-Tokens",
        ["RateLimit:PermitsPerMinute"] = "100000",
        ["RateLimit:Burst"] = "100000",
        ["Logging:LogLevel:Default"] = "Warning",
        ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = captureContent ? "true" : "false",
    };
}

/// <summary>One in-memory gateway and what its telemetry exported.</summary>
public sealed class TracedGateway : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly Factory _factory;
    private readonly LockedList<Activity> _spans = new();
    private readonly LockedList<MetricSnapshot> _metrics = new();

    internal TracedGateway(Dictionary<string, string> settings)
    {
        _factory = new Factory(settings, _spans, _metrics);
        Client = _factory.CreateClient();
        Client.Timeout = Bound;
    }

    public HttpClient Client { get; }

    /// <summary>Waits for the span that <paramref name="match"/> picks (spans are exported when they end, which may be just after the response).</summary>
    public async Task<Activity> SpanAsync(Func<Activity, bool> match)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_spans.Snapshot().FirstOrDefault(match) is { } span)
            {
                return span;
            }

            Assert.True(clock.Elapsed < Bound, "the span was not exported");
            await Task.Delay(20);
        }
    }

    public IReadOnlyList<Activity> Spans => _spans.Snapshot();

    /// <summary>Until the model server and the prompt cache are both up (the cache connects in the background).</summary>
    public async Task WaitUntilHealthyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (await Client.GetStringAsync(new Uri("/health", UriKind.Relative)) != "Healthy")
        {
            Assert.True(clock.Elapsed < Bound, "the gateway did not become healthy");
            await Task.Delay(20);
        }
    }

    /// <summary>The chat span of the response <paramref name="responseId"/>.</summary>
    public Task<Activity> ChatSpanAsync(string responseId) =>
        SpanAsync(s => s.OperationName.StartsWith("chat ", StringComparison.Ordinal) && Equals(s.GetTagItem("gen_ai.response.id"), responseId));

    /// <summary>The spans under <paramref name="parent"/>, once <paramref name="count"/> have ended.</summary>
    public async Task<IReadOnlyList<Activity>> ChildrenAsync(Activity parent, int count)
    {
        await SpanAsync(_ => _spans.Snapshot().Count(s => s.ParentSpanId == parent.SpanId) >= count);
        return [.. _spans.Snapshot().Where(s => s.ParentSpanId == parent.SpanId)];
    }

    /// <summary>The gateway's metrics as they stand now: each point's instrument, tags, count and sum (a gauge's last value).</summary>
    public IReadOnlyList<Point> Metrics()
    {
        _metrics.Clear();
        Assert.True(_factory.Services.GetRequiredService<MeterProvider>().ForceFlush(60_000));
        var points = new List<Point>();
        foreach (var metric in _metrics.Snapshot().Where(m => m.MeterName == Aspire70B.ApiService.Telemetry.GatewayTelemetry.Name))
        {
            foreach (var point in metric.MetricPoints)
            {
                var tags = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                var histogram = metric.MetricType == MetricType.Histogram;
                points.Add(new Point(metric.Name, metric.Unit, tags,
                    histogram ? point.GetHistogramCount() : 1,
                    metric.MetricType switch
                    {
                        MetricType.Histogram => point.GetHistogramSum(),
                        MetricType.LongSum => point.GetSumLong(),
                        MetricType.LongGauge => point.GetGaugeLastValueLong(),
                        MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
                        _ => point.GetSumDouble(),
                    }));
            }
        }

        return points;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }

    public sealed record Point(string Instrument, string Unit, SortedDictionary<string, object?> Tags, long Count, double Sum);

    private sealed class Factory(Dictionary<string, string> settings, LockedList<Activity> spans, LockedList<MetricSnapshot> metrics) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureServices(services =>
            {
                services.AddSingleton<IStartupFilter, LoopbackCaller>();
                services.AddOpenTelemetry()
                    .WithTracing(tracing => tracing.AddInMemoryExporter(spans))
                    .WithMetrics(meters => meters.AddInMemoryExporter(metrics));
            });
        }
    }

    /// <summary>The exporters add from the SDK's threads while a test reads.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public IReadOnlyList<T> Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item) => Snapshot().Contains(item);

        public void CopyTo(T[] array, int arrayIndex) => Snapshot().ToList().CopyTo(array, arrayIndex);

        public bool Remove(T item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>Runs alone (after the parallel collections): the in-memory exporters listen process-wide, by source and meter name.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryGatewayTests : ICollectionFixture<TelemetryGateway>
{
    public const string Name = "telemetry gateway";
}
