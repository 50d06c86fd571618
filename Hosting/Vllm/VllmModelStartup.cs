using System.Collections.Immutable;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;

namespace Aspire70B.Hosting.Vllm;

/// <summary>
/// Brings a model resource from "starting" to "running": follows the server's log (vLLM's start-up stages become the
/// resource's state), looks at the server until it answers and lists the model, then publishes the figures vLLM logged
/// next to the plan's as properties. A refusal that waiting cannot cure (a wrong key, a missing Modal app) ends the
/// wait at once with what to fix. Until the start-up timeout passes, the server is given time.
/// </summary>
internal sealed partial class VllmModelStartup(
    VllmModelResource model,
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    HttpClient http,
    TimeProvider time)
{
    private readonly VllmStartupLog _startupLog = new(model.Server.Plan);
    private readonly ILogger _logger = logs.GetLogger(model);
    private string? _lastState;

    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var server = model.Server;
        var started = time.GetTimestamp();
        await PublishStateAsync("Waiting for the server", KnownResourceStateStyles.Info);
        using var following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var logTask = server.Kind switch
        {
            VllmServerKind.Local or VllmServerKind.Container or VllmServerKind.Simulator => Task.Run(() => FollowServerLogAsync(following.Token), CancellationToken.None),
            // Modal holds a request while a container cold-starts: the wait itself is the progress to show.
            VllmServerKind.Modal => Task.Run(() => CountColdStartAsync(started, following.Token), CancellationToken.None),
            _ => Task.CompletedTask,
        };
        bool ready;
        try
        {
            ready = await WaitUntilReadyAsync(started, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong, the model must not sit in "starting" forever with its dependents waiting on it.
            LogWaitFailed(_logger, e);
            ready = false;
        }
        finally
        {
            await following.CancelAsync();
            await logTask;
        }

        if (ready)
        {
            await PublishRunningAsync(cancellationToken);
        }
        else
        {
            await notifications.PublishUpdateAsync(model, s => s with { State = new(KnownResourceStates.FailedToStart, KnownResourceStateStyles.Error) });
        }
    }

    private async Task<bool> WaitUntilReadyAsync(long started, CancellationToken cancellationToken)
    {
        var server = model.Server;
        var probe = new VllmProbe(model, http);
        var attemptTimeout = server.Kind == VllmServerKind.Modal ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(5);
        while (true)
        {
            var result = await probe.ProbeAsync(attemptTimeout, cancellationToken);
            if (result.Ready)
            {
                return true;
            }

            if (result.Fatal)
            {
                LogRefused(_logger, result.Detail);
                return false;
            }

            if (time.GetElapsedTime(started) > server.StartupTimeout)
            {
                LogGaveUp(_logger, server.StartupTimeout.TotalMinutes, result.Detail);
                return false;
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>"Cold start: waited 3 min of 35 min", the way a download shows its percentage.</summary>
    public static string ColdStartState(TimeSpan waited, TimeSpan limit) => string.Create(CultureInfo.InvariantCulture,
        $"Cold start: waited {(int)waited.TotalMinutes} min {waited.Seconds:00} s of {limit.TotalMinutes:0} min");

    private async Task CountColdStartAsync(long started, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await PublishStateAsync(ColdStartState(time.GetElapsedTime(started), model.Server.StartupTimeout), KnownResourceStateStyles.Info);
                await Task.Delay(ColdStartTick, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The model answered, gave up, or the app stops.
        }
    }

    /// <summary>How often a cold start's waiting time is brought up to date.</summary>
    public static TimeSpan ColdStartTick { get; } = TimeSpan.FromSeconds(5);

    private async Task FollowServerLogAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The server's log is kept under the name DCP gives its instance, known once it starts.
            var started = await notifications.WaitForResourceAsync(model.Parent.Name,
                e => e.Snapshot.State?.Text == KnownResourceStates.Starting || e.Snapshot.State?.Text == KnownResourceStates.Running,
                cancellationToken);
            LogFollowing(_logger, started.ResourceId);
            await foreach (var batch in logs.WatchAsync(started.ResourceId).WithCancellation(cancellationToken))
            {
                foreach (var line in batch)
                {
                    _startupLog.Observe(line.Content);
                }

                if (_startupLog.Describe() is { } stage)
                {
                    await PublishStateAsync(char.ToUpperInvariant(stage[0]) + stage[1..], KnownResourceStateStyles.Info);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The model answered (or the app stops): the log has told what it could.
        }
    }

    private async Task PublishStateAsync(string state, string style)
    {
        if (Interlocked.Exchange(ref _lastState, state) == state)
        {
            return;
        }

        await notifications.PublishUpdateAsync(model, s => s with { State = new(state, style) });
    }

    private async Task PublishRunningAsync(CancellationToken cancellationToken)
    {
        var figures = _startupLog.Figures();
        var metrics = await MetricsUrlAsync(cancellationToken);
        if (_startupLog.ReadySummary() is { } summary)
        {
            if (_startupLog.KvCacheOffPlan)
            {
                LogOffPlan(_logger, summary);
            }
            else
            {
                LogFigures(_logger, summary);
            }
        }

        LogReady(_logger, model.ModelName);
        await notifications.PublishUpdateAsync(model, s => s with
        {
            State = new(KnownResourceStates.Running, KnownResourceStateStyles.Success),
            StartTimeStamp = time.GetUtcNow().UtcDateTime,
            Properties = [.. s.Properties.Where(p => !figures.Any(f => f.Key == p.Name)), .. figures.Select(f => new ResourcePropertySnapshot(f.Key, f.Value))],
            Urls = metrics is null ? s.Urls : [.. s.Urls.Where(u => u.Name != MetricsUrlName), new UrlSnapshot(MetricsUrlName, metrics, IsInternal: false)],
        });
    }

    /// <summary>The name of the link to the server's Prometheus metrics (the load and prefix-cache figures the gateway polls).</summary>
    public const string MetricsUrlName = "metrics";

    /// <summary>The server's <c>/metrics</c>, for the dashboard's link; none for Modal, whose proxy auth a browser cannot pass.</summary>
    private async Task<string?> MetricsUrlAsync(CancellationToken cancellationToken) =>
        model.Server.Kind == VllmServerKind.Modal || await model.Server.Endpoint.GetValueAsync(cancellationToken) is not { Length: > 0 } url
            ? null
            : url.TrimEnd('/') + "/metrics";

    [LoggerMessage(Level = LogLevel.Error, Message = "Waiting for the model failed.")]
    private static partial void LogWaitFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Following the server's log ({ResourceId}) for vLLM's start-up stages.")]
    private static partial void LogFollowing(ILogger logger, string resourceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Detail}")]
    private static partial void LogRefused(ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "The model did not answer within {Minutes} minutes; the last look found: {Detail}")]
    private static partial void LogGaveUp(ILogger logger, double minutes, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Summary}")]
    private static partial void LogOffPlan(ILogger logger, string summary);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Summary}")]
    private static partial void LogFigures(ILogger logger, string summary);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Model} answers: /health is 200 and /v1/models lists it.")]
    private static partial void LogReady(ILogger logger, string model);
}
