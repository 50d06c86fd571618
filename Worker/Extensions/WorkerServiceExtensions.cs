using Aspire70B.Batches;
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

        // The gateway, found by Aspire's service-discovery variables.
        services.AddHttpClient(KeepWarmService.HttpClientName, client =>
        {
            var endpoint = configuration["services:apiservice:https:0"] ?? configuration["services:apiservice:http:0"]
                ?? throw new InvalidOperationException("The gateway's address is not configured: set services__apiservice__http__0.");
            client.BaseAddress = new Uri(endpoint.EndsWith('/') ? endpoint : endpoint + "/");
            client.Timeout = TimeSpan.FromMinutes(10);
            if (configuration["Worker:ApiKey"] is { Length: > 0 } key)
            {
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            }
        });
        services.AddSingleton<BatchItemExecutor>();
        services.AddHostedService<BatchWorkerService>();
        services.AddHostedService<KeepWarmService>();
        return builder;
    }
}
