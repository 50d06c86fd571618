using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>Finding the gateway by Aspire's configuration conventions, and the client integration's registration, against the real gateway.</summary>
[Collection(ConnectorTests.Name)]
public sealed class DiscoveryAndRegistrationTests(ConnectorFixture fixture)
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    private static HttpClient Scripted(RecordingHandler recorder, string completion)
    {
        recorder.InnerHandler = new HeaderHandler([("X-Sim-Completion", completion)]) { InnerHandler = new SocketsHttpHandler() };
        return new HttpClient(recorder);
    }

    private static HostApplicationBuilder Builder(params (string Key, string Value)[] values)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value)));
        return builder;
    }

    [Fact]
    public async Task TheServiceDiscoveryKeyOfAspireFindsTheGateway()
    {
        var configuration = Configuration(("services:apiservice:http:0", fixture.Gateway.BaseAddress.ToString()));
        var recorder = new RecordingHandler();
        using var client = Aspire70BChatClientFactory.Create(configuration, httpClient: Scripted(recorder, "found by services"));

        var response = await client.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 8 });

        Assert.Equal("found by services", response.Text);
        var request = Assert.Single(recorder.Requests);
        Assert.Equal(new Uri(fixture.Gateway.BaseAddress, "v1/chat/completions"), request.RequestUri);
        Assert.Null(request.Headers.Authorization);
        using var body = JsonDocument.Parse(recorder.Bodies.Single());
        Assert.False(body.RootElement.TryGetProperty("model", out _));
        var metadata = client.GetService<ChatClientMetadata>()!;
        Assert.Equal("aspire70b", metadata.ProviderName);
        Assert.Equal(fixture.Gateway.BaseAddress, metadata.ProviderUri);
        Assert.Null(metadata.DefaultModelId);
    }

    [Fact]
    public async Task AConnectionStringGivesTheEndpointKeyAndModel()
    {
        var configuration = Configuration(
            ("ConnectionStrings:chat", $"Endpoint={fixture.Gateway.BaseAddress};Key=sk-local;Model={ConnectorFixture.Model}"),
            ("services:chat:http:0", "http://127.0.0.1:1/"));
        var recorder = new RecordingHandler();
        using var client = Aspire70BChatClientFactory.Create(configuration, "chat", Scripted(recorder, "found by connection string"));

        var response = await client.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 8 });

        Assert.Equal("found by connection string", response.Text);
        var request = Assert.Single(recorder.Requests);
        Assert.Equal("Bearer sk-local", request.Headers.Authorization?.ToString());
        using var body = JsonDocument.Parse(recorder.Bodies.Single());
        Assert.Equal(ConnectorFixture.Model, body.RootElement.GetProperty("model").GetString());
        var metadata = client.GetService<ChatClientMetadata>()!;
        Assert.Equal(ConnectorFixture.Model, metadata.DefaultModelId);
        Assert.Equal(fixture.Gateway.BaseAddress, metadata.ProviderUri);
    }

    [Fact]
    public async Task TheIntegrationReturnsAChatClientBuilderWhoseLayersRunOverTheCallersHandler()
    {
        var builder = Builder(("services:apiservice:http:0", fixture.Gateway.BaseAddress.ToString()));
        var seen = new List<string>();
        builder.AddAspire70BChatClient().Use(async (messages, options, next, cancellationToken) =>
        {
            seen.Add(messages.Last().Text);
            await next(messages, options, cancellationToken);
        });
        builder.Services.AddHttpClient(Aspire70BChatClientExtensions.HttpClientName).AddHttpMessageHandler(() => new HeaderHandler([("X-Sim-Completion", "Hello from DI")]));
        using var host = builder.Build();
        await host.StartAsync();

        var client = host.Services.GetRequiredService<IChatClient>();
        var response = await client.GetResponseAsync("Hi from the app", new ChatOptions { MaxOutputTokens = 8 });
        await host.StopAsync();

        Assert.Equal("Hello from DI", response.Text);
        Assert.Equal(["Hi from the app"], seen);
        Assert.Equal(Timeout.InfiniteTimeSpan, host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(Aspire70BChatClientExtensions.HttpClientName).Timeout);
        Assert.Equal(TimeSpan.FromMinutes(10), host.Services.GetRequiredService<Aspire70BChatClientSettings>().NetworkTimeout);
    }

    [Fact]
    public async Task SettingsBindFromTheAspireSectionAndTheDelegateHasTheLastWord()
    {
        var builder = Builder(
            ("services:apiservice:http:0", "http://127.0.0.1:1/"),
            ("Aspire:Aspire70B:Chat:NetworkTimeout", "00:00:30"),
            ("Aspire:Aspire70B:Chat:DisableTracing", "true"),
            ("Aspire:Aspire70B:Chat:Model", "from-section"));
        builder.AddAspire70BChatClient(configureSettings: s =>
        {
            Assert.Equal(new Uri("http://127.0.0.1:1/"), s.Endpoint);
            s.Endpoint = fixture.Gateway.BaseAddress;
            s.Model = null;
        });
        builder.Services.AddHttpClient(Aspire70BChatClientExtensions.HttpClientName).AddHttpMessageHandler(() => new HeaderHandler([("X-Sim-Completion", "overridden")]));
        using var host = builder.Build();

        var response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 8 });

        Assert.Equal("overridden", response.Text);
        var settings = host.Services.GetRequiredService<Aspire70BChatClientSettings>();
        Assert.Equal(TimeSpan.FromSeconds(30), settings.NetworkTimeout);
        Assert.True(settings.DisableTracing);
        Assert.Null(host.Services.GetRequiredService<IChatClient>().GetService<OpenTelemetryChatClient>());
    }

    [Fact]
    public async Task AKeyedClientUsesItsOwnConnectionStringSectionAndHttpClient()
    {
        var builder = Builder(
            ("ConnectionStrings:chat", $"Endpoint={fixture.Gateway.BaseAddress}"),
            ("Aspire:Aspire70B:Chat:chat:Model", ConnectorFixture.Model));
        builder.AddKeyedAspire70BChatClient("chat");
        builder.Services.AddHttpClient($"{Aspire70BChatClientExtensions.HttpClientName}.chat").AddHttpMessageHandler(() => new HeaderHandler([("X-Sim-Completion", "keyed")]));
        using var host = builder.Build();

        var client = host.Services.GetRequiredKeyedService<IChatClient>("chat");
        var response = await client.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 8 });

        Assert.Equal("keyed", response.Text);
        Assert.Equal(ConnectorFixture.Model, client.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Null(host.Services.GetService<IChatClient>());
        Assert.Equal(fixture.Gateway.BaseAddress, host.Services.GetRequiredKeyedService<Aspire70BChatClientSettings>("chat").Endpoint);
    }

    [Fact]
    public async Task TheChatSpanIsTheParentOfTheRequestTheGatewayReceives()
    {
        var builder = Builder(("services:apiservice:http:0", fixture.Gateway.BaseAddress.ToString()));
        builder.AddAspire70BChatClient();
        var traces = new List<ActivityTraceId?>();
        builder.Services.AddHttpClient(Aspire70BChatClientExtensions.HttpClientName).AddHttpMessageHandler(() => new TraceHandler(traces));
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Aspire70BChatClientExtensions.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var host = builder.Build();

        await host.Services.GetRequiredService<IChatClient>().GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 4 });

        var span = Assert.Single(spans);
        Assert.Equal("chat", span.OperationName.Split(' ')[0]);
        // The request leaves inside the chat span, so its traceparent (added below the handlers) carries the span's trace.
        Assert.Equal([span.TraceId], traces);
    }

    [Fact]
    public void ResolvingTheClientWithoutAnEndpointFailsWithAClearMessage()
    {
        var builder = Builder();
        builder.AddAspire70BChatClient();
        using var host = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IChatClient>());

        Assert.StartsWith("The Aspire70B gateway's endpoint is not configured: set services:apiservice:https:0", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>Records the trace each request is sent in.</summary>
public sealed class TraceHandler(List<ActivityTraceId?> traces) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        traces.Add(Activity.Current?.TraceId);
        return base.SendAsync(request, cancellationToken);
    }
}
