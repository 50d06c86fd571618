using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.ApiService.Chat;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire70B.ApiService.Tests.Properties;

/// <summary>A bug in a handler is OpenAI's 500 error object with a request id found again in the log — in Development too.</summary>
public sealed class UnexpectedExceptionTests
{
    [Fact]
    public async Task AnUnexpectedExceptionIsA500ErrorObjectWithTheRequestIdAndNoStackTraceInDevelopment()
    {
        var logs = new LogSink();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("ConnectionStrings:model", "Endpoint=http://127.0.0.1:9;Model=llama-3.1-70b-instruct");
            builder.UseSetting("Gateway:Profile", "awq-int4-a100");
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<IPromptTokenCounter, ThrowingCounter>();
                services.AddSingleton<IStartupFilter, LoopbackStartupFilter>();
            });
        });
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/v1/chat/completions/render", new StringContent("""{"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        var requestId = response.Headers.GetValues("x-request-id").Single();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"The server had an error while processing your request. Quote request id {requestId} when reporting it.", error.GetProperty("message").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain("a bug in a counter", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.Message.Contains(requestId, StringComparison.Ordinal) && e.Exception?.Message == "a bug in a counter");
    }

    private sealed class ThrowingCounter : IPromptTokenCounter
    {
        public int Count(string prompt) => throw new InvalidOperationException("a bug in a counter");
    }

    private sealed class LoopbackStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class LogSink : ILoggerProvider
    {
        public ConcurrentQueue<(string Message, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(string, Exception?)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue((formatter(state, exception), exception));
                }
            }
        }
    }
}
