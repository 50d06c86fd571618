using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>The gateway's failures as <see cref="Aspire70BException"/>s, and cancellation that reaches the model server.</summary>
[Collection(ConnectorTests.Name)]
public sealed class ErrorAndCancellationTests(ConnectorFixture fixture)
{
    private static string Unique(string text) => $"{text} #{Guid.NewGuid():N}";

    [Fact]
    public async Task ABadParameterIs400WithTheGatewaysMessageAndParam()
    {
        using var client = fixture.Client();

        var error = await Assert.ThrowsAsync<Aspire70BException>(() => client.GetResponseAsync("Hi", new ChatOptions { Temperature = -1 }));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("temperature must be non-negative, got -1.", error.Message);
        Assert.Equal("temperature", error.Param);
        Assert.Equal("invalid_request_error", error.ErrorType);
        Assert.False(error.MidStream);
    }

    [Fact]
    public async Task AStreamedRequestThatIsRefusedThrowsBeforeAnyUpdate()
    {
        using var client = fixture.Client();
        var updates = 0;

        var error = await Assert.ThrowsAsync<Aspire70BException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("Hi", new ChatOptions { TopP = 0 }))
            {
                updates++;
            }
        });

        Assert.Equal(0, updates);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("top_p must be in (0, 1], got 0.", error.Message);
        Assert.Equal("top_p", error.Param);
    }

    [Fact]
    public async Task AnUnknownModelIs404ModelNotFound()
    {
        using var client = fixture.Client();

        var error = await Assert.ThrowsAsync<Aspire70BException>(() => client.GetResponseAsync("Hi", new ChatOptions { ModelId = "gpt-4o" }));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("The model `gpt-4o` does not exist.", error.Message);
        Assert.Equal("model_not_found", error.ErrorCode);
    }

    [Fact]
    public async Task AFailingModelServerIs503WithRetryAfterAndIsNotRetried()
    {
        var recorder = new RecordingHandler { InnerHandler = new HeaderHandler([("X-Sim-Fail-Status", "503")]) { InnerHandler = new SocketsHttpHandler() } };
        using var client = Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = fixture.Gateway.BaseAddress }, new HttpClient(recorder));

        var error = await Assert.ThrowsAsync<Aspire70BException>(() => client.GetResponseAsync(Unique("Hi"), new ChatOptions { MaxOutputTokens = 4 }));

        // The OpenAI SDK would have retried the POST; the connector leaves that to the caller, who has Retry-After.
        Assert.Single(recorder.Requests);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("The model server is unavailable; retry shortly.", error.Message);
        Assert.Equal(TimeSpan.FromSeconds(5), error.RetryAfter);
        Assert.Equal("service_unavailable", error.ErrorCode);
        Assert.Equal("server_error", error.ErrorType);
    }

    [Fact]
    public async Task AStreamThatFailsMidwayThrowsAfterThePartialTextAndNeverFinishes()
    {
        // In real time, so the first tokens are surely out before the model server drops the connection.
        using var client = fixture.Client(fixture.SlowGateway, ("X-Sim-Drop-After-Tokens", "3"), ("X-Sim-Completion", "a b c d e f g h i j k l m n o p"));
        var text = new StringBuilder();
        var finished = false;

        var error = await Assert.ThrowsAsync<Aspire70BException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Unique("drop"), new ChatOptions { MaxOutputTokens = 50 }))
            {
                text.Append(update.Text);
                finished |= update.FinishReason is not null;
            }
        });

        Assert.True(error.MidStream);
        Assert.Null(error.StatusCode);
        Assert.StartsWith("The model server failed mid-response", error.Message, StringComparison.Ordinal);
        Assert.Equal("server_error", error.ErrorType);
        Assert.StartsWith("a b", text.ToString(), StringComparison.Ordinal);
        Assert.NotEqual("a b c d e f g h i j k l m n o p", text.ToString());
        Assert.False(finished);
    }

    [Fact]
    public async Task CancellingMidStreamThrowsAndTheModelServerSeesTheAbort()
    {
        var before = await fixture.SimulatorFinishedAsync(fixture.SlowSimulator, "abort");
        // ~600 tokens: about 15 s at the profile's speed, so the answer is surely still running when cancelled.
        using var client = fixture.Client(fixture.SlowGateway, ("X-Sim-Completion", string.Join(' ', Enumerable.Repeat("word", 600))));
        using var cancellation = new CancellationTokenSource();
        var received = 0;
        var started = DateTime.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Unique("long"), new ChatOptions { MaxOutputTokens = 2000, Temperature = 0.9f }, cancellation.Token))
            {
                if (update.Text.Length > 0 && ++received == 2)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.Equal(2, received);
        await WaitForAbortAsync(before);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "the abort arrived long before the answer would have finished");
    }

    [Fact]
    public async Task AbandoningAStreamClosesItAtOnceAndTheModelServerSeesTheAbort()
    {
        var before = await fixture.SimulatorFinishedAsync(fixture.SlowSimulator, "abort");
        // Through the integration, so the connector's own primary handler is the one that must not drain the abandoned response.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddAspire70BChatClient(configureSettings: s => s.Endpoint = fixture.SlowGateway.BaseAddress);
        builder.Services.AddHttpClient(Aspire70BChatClientExtensions.HttpClientName)
            .AddHttpMessageHandler(() => new HeaderHandler([("X-Sim-Completion", string.Join(' ', Enumerable.Repeat("word", 600)))]));
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<IChatClient>();

        await foreach (var update in client.GetStreamingResponseAsync(Unique("abandon"), new ChatOptions { MaxOutputTokens = 2000, Temperature = 0.9f }))
        {
            if (update.Text.Length > 0)
            {
                break;
            }
        }

        var abandoned = DateTime.UtcNow;
        await WaitForAbortAsync(before);
        // A draining client would keep reading for its 2 s drain timeout first.
        Assert.True(DateTime.UtcNow - abandoned < TimeSpan.FromSeconds(1.5), $"the abort took {DateTime.UtcNow - abandoned}");
    }

    private async Task WaitForAbortAsync(double before)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(8);
        var aborts = before;
        while (aborts < before + 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            aborts = await fixture.SimulatorFinishedAsync(fixture.SlowSimulator, "abort");
        }

        Assert.Equal(before + 1, aborts);
    }
}
