using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Aspire70B.ServiceDefaults.Resilience;

/// <summary>
/// The default resilience of every HttpClient, on Polly.Core: for safe methods (GET, HEAD, OPTIONS) a 10 s timeout per
/// attempt and up to 3 retries with jittered exponential back-off on connection failures, 408, 429 and 5xx. Every
/// other method passes through untouched: a POST to the model server is neither retried twice over (the gateway's
/// backend client has its own retry policy) nor cut by a timeout while it streams. The timeout ends when the
/// response headers arrive, so it never limits a streamed body.
/// </summary>
internal sealed class StandardResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    public const int MaxRetryAttempts = 3;

    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    private static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Aspire70B.Request");

    public static ResiliencePipeline<HttpResponseMessage> CreatePipeline(TimeSpan? baseDelay = null) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay ?? TimeSpan.FromMilliseconds(200),
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddTimeout(AttemptTimeout)
            .Build();

    public static bool IsSafe(HttpMethod method) => method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options;

    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } response } => response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            || (int)response.StatusCode >= 500,
        _ => false,
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsSafe(request.Method))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (ctx, handler) =>
                {
                    try
                    {
                        var message = ctx.Properties.GetValue(RequestKey, null!);
                        return Outcome.FromResult(await handler.SendCoreAsync(message, ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ctx.CancellationToken.IsCancellationRequested))
                    {
                        return Outcome.FromException<HttpResponseMessage>(e);
                    }
                },
                context,
                this).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
