using System.Text.Json;
using Aspire70B.Hosting.Vllm;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire70B.AppHost;

/// <summary>
/// <c>--endpoints-file PATH</c>: once every resource is healthy, a JSON object of resource name → URL (<c>apiservice</c>,
/// <c>model</c> (each model by its name when there are several: <c>model-1</c>, <c>model-modal</c>, …), <c>cache</c> as <c>redis://host:port</c>, <c>dashboard</c>: its login URL), written atomically so a
/// script that waits for the file reads it whole; removed when the AppHost stops.
/// </summary>
internal static partial class EndpointsFile
{
    public static void WriteEndpointsFile(this IDistributedApplicationBuilder builder, string? path,
        IResourceBuilder<ProjectResource> apiservice, IReadOnlyList<IResourceBuilder<VllmModelResource>> models, IResourceBuilder<IResourceWithConnectionString> cache)
    {
        if (path is null)
        {
            return;
        }

        var file = Path.GetFullPath(path);
        var configuration = builder.Configuration;
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((e, ct) =>
        {
            var lifetime = e.Services.GetRequiredService<IHostApplicationLifetime>();
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Aspire70B.AppHost");
            lifetime.ApplicationStopping.Register(() => File.Delete(file));

            _ = Task.Run(async () =>
            {
                var stopping = lifetime.ApplicationStopping;
                try
                {
                    foreach (var name in e.Model.Resources.Where(r => r.Annotations.OfType<HealthCheckAnnotation>().Any()).Select(r => r.Name))
                    {
                        await notifications.WaitForResourceHealthyAsync(name, stopping);
                    }

                    await notifications.WaitForResourceAsync("worker", KnownResourceStates.Running, stopping);
                    var endpoints = new SortedDictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["apiservice"] = apiservice.GetEndpoint("http").Url,
                        ["cache"] = "redis://" + (await cache.Resource.ConnectionStringExpression.GetValueAsync(stopping))!.Split(',')[0],
                    };
                    foreach (var model in models)
                    {
                        endpoints[model.Resource.Name] = (await model.Resource.Server.Endpoint.GetValueAsync(stopping))!.TrimEnd('/');
                    }

                    if (DashboardLogin(configuration) is { } dashboard)
                    {
                        endpoints["dashboard"] = dashboard;
                    }

                    var temporary = file + ".tmp";
                    await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(endpoints) + "\n", stopping);
                    File.Move(temporary, file, overwrite: true);
                    LogWritten(logger, file);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    // Stopped before everything was healthy: no file.
                }
            }, CancellationToken.None);
            return Task.CompletedTask;
        });
    }

    /// <summary>The dashboard's login URL (<c>…/login?t=token</c>), or its URL when it needs no token; null without a dashboard.</summary>
    public static string? DashboardLogin(IConfiguration configuration)
    {
        var url = configuration["ASPNETCORE_URLS"]?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.TrimEnd('/');
        if (url is null)
        {
            return null;
        }

        return configuration["AppHost:BrowserToken"] is { Length: > 0 } token ? $"{url}/login?t={token}" : url;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Every resource is healthy; endpoints written to {File}.")]
    private static partial void LogWritten(ILogger logger, string file);
}
