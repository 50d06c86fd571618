using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>Finding the gateway by Aspire's configuration conventions, and the DI registration, against the real gateway.</summary>
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
        Assert.DoesNotContain("\"model\"", recorder.Bodies.Single(), StringComparison.Ordinal);
        Assert.Equal(fixture.Gateway.BaseAddress, client.GetService<ChatClientMetadata>()!.ProviderUri);
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
        Assert.StartsWith($"{{\"model\":\"{ConnectorFixture.Model}\",", recorder.Bodies.Single(), StringComparison.Ordinal);
        var metadata = client.GetService<ChatClientMetadata>()!;
        Assert.Equal(ConnectorFixture.Model, metadata.DefaultModelId);
        Assert.Equal(fixture.Gateway.BaseAddress, metadata.ProviderUri);
    }

    [Fact]
    public async Task TheHostBuilderRegistrationResolvesAWorkingClientWithTheCallersHandler()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create("services:apiservice:http:0", (string?)fixture.Gateway.BaseAddress.ToString())]);
        builder.AddAspire70BChatClient().AddHttpMessageHandler(() => new HeaderHandler([("X-Sim-Completion", "Hello from DI")]));
        using var host = builder.Build();
        await host.StartAsync();

        var client = host.Services.GetRequiredService<IChatClient>();
        var response = await client.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 8 });
        await host.StopAsync();

        Assert.Equal("Hello from DI", response.Text);
        Assert.Equal(TimeSpan.FromMinutes(5), host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(Aspire70BServiceCollectionExtensions.HttpClientName).Timeout);
    }

    [Fact]
    public async Task ExplicitOptionsOverrideWhatWasDiscovered()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Configuration(("services:apiservice:http:0", "http://127.0.0.1:1/")));
        services.AddAspire70BChatClient(configure: o =>
        {
            o.Endpoint = fixture.Gateway.BaseAddress;
            o.RequestTimeout = TimeSpan.FromSeconds(30);
        }).AddHttpMessageHandler(() => new HeaderHandler([("X-Sim-Completion", "overridden")]));
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 8 });

        Assert.Equal("overridden", response.Text);
        Assert.Equal(TimeSpan.FromSeconds(30), provider.GetRequiredService<IHttpClientFactory>().CreateClient(Aspire70BServiceCollectionExtensions.HttpClientName).Timeout);
    }

    [Fact]
    public async Task AHostWithoutAnEndpointFailsToStartWithAClearMessage()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddAspire70BChatClient();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.StartsWith("The Aspire70B gateway's endpoint is not configured: set services:apiservice:https:0", error.Message, StringComparison.Ordinal);
    }
}
