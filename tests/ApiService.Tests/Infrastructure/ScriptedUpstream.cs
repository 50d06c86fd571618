using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aspire70B.ApiService.Tests.Infrastructure;

/// <summary>
/// A loopback HTTP server whose /v1/completions answers are scripted per request, for failure modes a real model
/// server cannot be made to show on demand (a 503 then a 200, a stream cut mid-way). End-to-end behaviour is
/// tested against the Simulator instead.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Queue<Func<HttpContext, Task>> _script = new();
    private readonly Lock _gate = new();

    private ScriptedUpstream(WebApplication app) => _app = app;

    public List<(string Body, Dictionary<string, string> Headers)> Requests { get; } = [];

    /// <summary>Requests other than a POST that reached /v1/completions (a client following a redirect sends a GET).</summary>
    public List<string> OtherRequests { get; } = [];

    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri Endpoint { get; private set; } = null!;

    /// <param name="healthy">Whether <c>/health</c> answers 200, as a running vLLM's does (otherwise 404: nothing else is mapped).</param>
    public static async Task<ScriptedUpstream> StartAsync(bool healthy = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new ScriptedUpstream(app);
        app.MapPost("/v1/completions", upstream.HandleAsync);
        if (healthy)
        {
            app.MapGet("/health", () => Results.Ok());
        }

        app.MapMethods("/v1/completions", ["GET", "HEAD", "PUT"], (HttpContext context) =>
        {
            lock (upstream._gate)
            {
                upstream.OtherRequests.Add($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            }

            return Results.StatusCode(StatusCodes.Status405MethodNotAllowed);
        });
        await app.StartAsync();
        upstream.Endpoint = new Uri(app.Urls.First() + "/");
        return upstream;
    }

    public void Then(Func<HttpContext, Task> step)
    {
        lock (_gate)
        {
            _script.Enqueue(step);
        }
    }

    public void ThenStatus(int status, string body) => Then(async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    });

    /// <summary>A redirect, as Modal answers a request it held 150 s during a cold start (303 to the result URL).</summary>
    public void ThenRedirect(int status = StatusCodes.Status303SeeOther) => Then(context =>
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Location = Endpoint + "v1/completions?__modal_function_call_id=fc-test";
        return Task.CompletedTask;
    });

    /// <summary>Holds the request without answering until the client gives up, as Modal holds one while a container starts.</summary>
    public void ThenHold() => Then(async context =>
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    });

    public void ThenEvents(params string[] payloads) => Then(context => WriteEventsAsync(context, payloads));

    /// <summary>Holds the request until <paramref name="answer"/> completes, then streams the events.</summary>
    public void ThenEventsAfter(Task answer, params string[] payloads) => Then(async context =>
    {
        await answer.WaitAsync(context.RequestAborted);
        await WriteEventsAsync(context, payloads);
    });

    public static string Chunk(string text, string? finish = null, string? stop = null) =>
        $$"""{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":{{System.Text.Json.JsonSerializer.Serialize(text)}},"logprobs":null,"finish_reason":{{(finish is null ? "null" : $"\"{finish}\"")}},"stop_reason":{{(stop is null ? "null" : System.Text.Json.JsonSerializer.Serialize(stop))}}}],"usage":null}""";

    public static string Usage(int prompt, int completion) =>
        $$$"""{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":{{{prompt}}},"total_tokens":{{{prompt + completion}}},"completion_tokens":{{{completion}}}}}""";

    private static async Task WriteEventsAsync(HttpContext context, string[] payloads)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        foreach (var payload in payloads)
        {
            await context.Response.WriteAsync($"data: {payload}\n\n");
            await context.Response.Body.FlushAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        Func<HttpContext, Task>? step;
        lock (_gate)
        {
            Requests.Add((body, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            _script.TryDequeue(out step);
        }

        context.RequestAborted.Register(() => Aborted.TrySetResult());
        if (step is null)
        {
            context.Response.StatusCode = 500;
            return;
        }

        await step(context);
    }
}
