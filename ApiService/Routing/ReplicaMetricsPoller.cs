using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Routing;

/// <summary>
/// Reads each replica's <c>/metrics</c> every <see cref="RoutingOptions.MetricsInterval"/> (on the injected clock) into
/// <see cref="ModelReplica.Load"/>. A poll that fails leaves the load unknown and nothing else: the circuit breaker, fed
/// by real requests, decides whether a replica is down. Modal replicas are not polled: every request to a Modal endpoint,
/// this one too, keeps a container up (or starts one), and the overflow tier must be free to scale to zero.
/// </summary>
internal sealed partial class ReplicaMetricsPoller(
    ModelReplicas replicas,
    IHttpClientFactory httpClientFactory,
    IOptions<RoutingOptions> options,
    TimeProvider time,
    ILogger<ReplicaMetricsPoller> logger) : BackgroundService
{
    /// <summary>The named client used for the polls: no resilience handler (a missed poll is simply the next one), no logging.</summary>
    public const string HttpClientName = "replica-metrics";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(replicas.All.Where(r => !r.Connection.IsModal).Select(r => PollLoopAsync(r, stoppingToken)));

    private async Task PollLoopAsync(ModelReplica replica, CancellationToken cancellationToken)
    {
        var interval = options.Value.MetricsInterval;
        using var http = httpClientFactory.CreateClient(HttpClientName);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                replica.Load = await PollAsync(http, replica, interval, cancellationToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<ReplicaLoad?> PollAsync(HttpClient http, ModelReplica replica, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(replica.Connection.Endpoint, "metrics"));
            if (replica.Connection.Key is { } key)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogPollStatus(logger, replica.Name, (int)response.StatusCode);
                return null;
            }

            var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            return PrometheusLoadParser.Parse(text);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogPollFailed(logger, replica.Name, e.Message);
            return null;
        }
    }

    [LoggerMessage(EventId = 2103, Level = LogLevel.Debug, Message = "Could not read the load of model replica {Replica} (HTTP {Status}); it counts as unknown")]
    private static partial void LogPollStatus(ILogger logger, string replica, int status);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Could not read the load of model replica {Replica} ({Reason}); it counts as unknown")]
    private static partial void LogPollFailed(ILogger logger, string replica, string reason);
}
