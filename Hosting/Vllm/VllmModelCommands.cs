using System.Diagnostics;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire70B.Hosting.Vllm;

/// <summary>The model resource's dashboard commands: "Show plan", "Warm up" and "Show load".</summary>
internal static partial class VllmModelCommands
{
    public static Task<ExecuteCommandResult> ShowPlan(VllmModelResource model, ExecuteCommandContext context)
    {
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(model);
        foreach (var line in VllmPlanText.Lines(model.Server.Profile, model.Server.Plan))
        {
            LogPlanLine(logger, line);
        }

        return Task.FromResult(CommandResults.Success());
    }

    /// <summary>A one-token completion through the same door clients use; its latency goes to the model's log.</summary>
    public static async Task<ExecuteCommandResult> WarmUpAsync(VllmModelResource model, ExecuteCommandContext context)
    {
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(model);
        var http = context.Services.GetRequiredService<IHttpClientFactory>().CreateClient(VllmBuilderExtensions.HttpClientName);
        var baseUrl = (await model.Server.Endpoint.GetValueAsync(context.CancellationToken))?.TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/v1/completions")
        {
            Content = JsonContent.Create(new { model = model.ModelName, prompt = "Hello", max_tokens = 1 }),
        };
        await AuthorizeAsync(request, model, context.CancellationToken);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, context.CancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
                LogWarmUpRefused(logger, (int)response.StatusCode, elapsed, body);
                return CommandResults.Failure($"The model answered {(int)response.StatusCode}.");
            }

            LogWarmedUp(logger, elapsed);
            return CommandResults.Success();
        }
        catch (HttpRequestException e)
        {
            LogWarmUpFailed(logger, e.Message);
            return CommandResults.Failure(e.Message);
        }
    }

    /// <summary>
    /// One scrape of the server's <c>/metrics</c>: its requests running and waiting, KV-cache usage and prefix-cache hit
    /// rate go to the model's log, so each replica's load can be read beside the gateway's routing metrics.
    /// </summary>
    public static async Task<ExecuteCommandResult> ShowLoadAsync(VllmModelResource model, ExecuteCommandContext context)
    {
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(model);
        var http = context.Services.GetRequiredService<IHttpClientFactory>().CreateClient(VllmBuilderExtensions.HttpClientName);
        var baseUrl = (await model.Server.Endpoint.GetValueAsync(context.CancellationToken))?.TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/metrics");
        await AuthorizeAsync(request, model, context.CancellationToken);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            using var response = await http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var status = $"/metrics answered {(int)response.StatusCode}";
                LogLoadUnavailable(logger, status);
                return CommandResults.Failure(status + ".");
            }

            var load = VllmLoad.Parse(await response.Content.ReadAsStringAsync(timeout.Token), model.ModelName).Describe();
            LogLoad(logger, load);
            return CommandResults.Success();
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !context.CancellationToken.IsCancellationRequested))
        {
            LogLoadUnavailable(logger, e.Message);
            return CommandResults.Failure(e.Message);
        }
    }

    /// <summary>The credentials the model's clients send: the bearer key, and on Modal the proxy-auth token.</summary>
    private static async Task AuthorizeAsync(HttpRequestMessage request, VllmModelResource model, CancellationToken cancellationToken)
    {
        if (model.Server.ApiKey is { } key)
        {
            request.Headers.Authorization = new("Bearer", await key.GetValueAsync(cancellationToken));
        }

        if (model.Server.ModalToken is { } modal)
        {
            request.Headers.Add("Modal-Key", await modal.Key.GetValueAsync(cancellationToken));
            request.Headers.Add("Modal-Secret", await modal.Secret.GetValueAsync(cancellationToken));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Load}")]
    private static partial void LogLoad(ILogger logger, string load);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Load unavailable: {Reason}")]
    private static partial void LogLoadUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{PlanLine}")]
    private static partial void LogPlanLine(ILogger logger, string planLine);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warm-up: one token in {Milliseconds:0} ms.")]
    private static partial void LogWarmedUp(ILogger logger, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up: {Status} after {Milliseconds:0} ms: {Body}")]
    private static partial void LogWarmUpRefused(ILogger logger, int status, double milliseconds, string body);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up failed: {Message}")]
    private static partial void LogWarmUpFailed(ILogger logger, string message);
}
