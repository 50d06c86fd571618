using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Options;

namespace Aspire70B.Worker.KeepWarm;

/// <summary>Probes the model endpoint through the gateway at the configured interval while the schedule is active.</summary>
public sealed partial class KeepWarmService : BackgroundService
{
    /// <summary>The meter of the Worker's own instruments.</summary>
    public const string MeterName = "Aspire70B.Worker";

    private readonly Gateway.GatewayClient _gateway;
    private readonly KeepWarmOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KeepWarmService> _logger;
    private readonly Counter<long> _probes;
    private readonly Histogram<double> _duration;

    /// <summary>Creates the service.</summary>
    public KeepWarmService(Gateway.GatewayClient gateway, IOptions<KeepWarmOptions> options, TimeProvider time, IMeterFactory meters, ILogger<KeepWarmService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _gateway = gateway;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var meter = meters.Create(MeterName);
        _probes = meter.CreateCounter<long>("aspire70b.keep_warm.probes", "{probe}", "Keep-warm probes by result (ok, failed)");
        _duration = meter.CreateHistogram<double>("aspire70b.keep_warm.probe.duration", "s", "Keep-warm probe latency");
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var schedule = new KeepWarmSchedule(_options);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (schedule.IsActive(_time.GetUtcNow()))
            {
                await ProbeAsync(stoppingToken);
            }

            await Task.Delay(_options.Interval, _time, stoppingToken);
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = "ok";
        try
        {
            using var response = _options.Probe == KeepWarmProbe.Health
                ? await _gateway.SendAsync(HttpMethod.Get, "health", null, cancellationToken)
                : await _gateway.SendAsync(
                    HttpMethod.Post,
                    "v1/chat/completions",
                    new StringContent("""{"messages":[{"role":"user","content":"ping"}],"max_tokens":1}""", Encoding.UTF8, "application/json"),
                    cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                result = "failed";
                LogProbeFailed(_logger, (int)response.StatusCode);
            }
        }
        catch (HttpRequestException e)
        {
            result = "failed";
            LogProbeUnreachable(_logger, e.Message);
        }
        finally
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                _probes.Add(1, new KeyValuePair<string, object?>("result", result));
                _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("probe", _options.Probe.ToString()));
            }
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Keep-warm probe answered {Status}")]
    private static partial void LogProbeFailed(ILogger logger, int status);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Keep-warm probe could not reach the gateway: {Reason}")]
    private static partial void LogProbeUnreachable(ILogger logger, string reason);
}
