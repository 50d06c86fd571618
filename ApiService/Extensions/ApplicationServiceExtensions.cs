using System.Threading.RateLimiting;
using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Batches;
using Aspire70B.Batches;
using Aspire70B.ApiService.Caching;
using Aspire70B.ApiService.Chat;
using Aspire70B.ApiService.Errors;
using Aspire70B.ApiService.Routing;
using Aspire70B.ApiService.Security;
using Aspire70B.ApiService.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Extensions;

/// <summary>The gateway's services: options, the backend client, the prompt cache, auth and rate limits, telemetry.</summary>
internal static class ApplicationServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddSingleton(TimeProvider.System);

        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BackendOptions>().Bind(configuration.GetSection(BackendOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PromptCacheOptions>().Bind(configuration.GetSection(PromptCacheOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ApiKeyOptions>().Bind(configuration.GetSection(ApiKeyOptions.Section))
            .Validate(o => o.ApiKeys.TrueForAll(k => k.Name.Length > 0 && System.Text.RegularExpressions.Regex.IsMatch(k.Hash, "^sha256:[0-9a-fA-F]{64}$")),
                "Every Auth:ApiKeys entry needs a Name and a Hash of the form sha256:<64 hex digits>.")
            .ValidateOnStart();

        // The deployment and the model replicas (every ConnectionStrings:model or model-*), each with its own client and breaker.
        services.AddSingleton<GatewayDeployment>();
        services.AddOptions<RoutingOptions>().Bind(configuration.GetSection(RoutingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ModelReplicas>(sp, configuration));
        services.AddSingleton<RoutingTelemetry>();
        services.AddSingleton<ReplicaRouter>();
        services.AddHostedService<ReplicaMetricsPoller>();
        // The hot path: the client has its own retries, breaker and timeouts and a concrete endpoint, so the shared
        // handlers (discovery, per-request logging) are left out; the request is still traced as an HttpClient span.
        // No standard resilience: its 10 s attempt timeout would cut generations short (dotnet/extensions#6258).
        services.AddHttpClient(nameof(VllmCompletionsClient), client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(ModelServerHandler.Create)
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear())
            .RemoveAllLoggers();
        // The load polls: a missed one is simply followed by the next, so no resilience either.
        services.AddHttpClient(ReplicaMetricsPoller.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(ModelServerHandler.Create)
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear())
            .RemoveAllLoggers();

        // The prompt cache: Redis when configured and enabled (AddRedisClients registers its client then), otherwise none.
        builder.AddRedisClients();
        services.AddSingleton<IPromptCacheStore>(sp => sp.GetService<StackExchange.Redis.IConnectionMultiplexer>() is { } redis
            ? ActivatorUtilities.CreateInstance<RedisPromptCacheStore>(sp, redis)
            : new DisabledPromptCacheStore());
        services.AddSingleton<PromptCache>();
        services.AddSingleton<SingleFlight<CompletionChunk>>();
        services.AddSingleton<IPromptTokenCounter, ApproximatePromptTokenCounter>();
        services.AddOptions<GenAITelemetryOptions>()
            .Configure(o => o.CaptureMessageContent = configuration.GetValue<bool>(GenAITelemetryOptions.CaptureMessageContentKey))
            .ValidateOnStart();
        services.AddSingleton<GatewayTelemetry>();
        services.AddTransient<ChatCompletionHandler>();

        // Batches: stored in Redis for the Worker to run.
        services.AddOptions<BatchApiOptions>().Bind(configuration.GetSection(BatchApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BatchQueueOptions>().Bind(configuration.GetSection(BatchQueueOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BatchStores>();

        // Who may call, and how often.
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(RateLimitOptions.PolicyName, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                return RateLimitPartition.GetTokenBucketLimiter(context.User.Identity?.Name ?? "anonymous", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = Math.Max(1, options.PermitsPerMinute / 60),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(options.PermitsPerMinute >= 60 ? 1 : 60.0 / options.PermitsPerMinute),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var delay) ? delay : TimeSpan.FromSeconds(1);
                await OpenAIErrorResult.WriteAsync(context.HttpContext.Response, OpenAIError.TooManyRequests(retryAfter), retryAfter, cancellationToken);
            };
        });

        builder.Services.AddHealthChecks()
            .AddCheck<BackendHealthCheck>("model-server", tags: ["ready"])
            .AddCheck<PromptCacheHealthCheck>("prompt-cache", tags: ["ready"]);
        return builder;
    }
}
