using Aspire70B.Batches;
using Aspire70B.Worker.Gateway;
using Aspire70B.Worker.BatchProcessing;
using Aspire70B.Worker.KeepWarm;

namespace Aspire70B.Worker.Extensions;

/// <summary>The Worker's services: batch processing and keep-warm, both talking to the gateway.</summary>
internal static class WorkerServiceExtensions
{
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<BatchWorkerOptions>().Bind(configuration.GetSection(BatchWorkerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BatchQueueOptions>().Bind(configuration.GetSection(BatchQueueOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KeepWarmOptions>().Bind(configuration.GetSection(KeepWarmOptions.Section)).ValidateDataAnnotations()
            .Validate(o => !o.Enabled || TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "KeepWarm:TimeZone is not a known time zone.")
            .ValidateOnStart();

        // The batch store, through Aspire's client (tracing and health check on): started while the store is down or
        // not up yet, reconnecting by itself; the worker loops wait for it.
        if (configuration.GetConnectionString(BatchWorkerService.StoreKey) is { Length: > 0 })
        {
            builder.AddKeyedRedisClient(BatchWorkerService.StoreKey, configureOptions: options =>
            {
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 2000;
            });
        }

        // The gateway, found and authenticated the Connector's way (its network timeout, 10 minutes, bounds a batch item).
        builder.AddAspire70BChatClient();
        services.AddSingleton<GatewayClient>();
        services.AddSingleton<BatchItemExecutor>();
        services.AddHostedService<BatchWorkerService>();
        services.AddHostedService<KeepWarmService>();
        return builder;
    }
}
