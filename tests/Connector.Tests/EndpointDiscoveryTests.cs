using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Aspire70B.Connector.Tests;

/// <summary>Which configuration wins, and what is refused, when looking for the gateway.</summary>
public sealed class EndpointDiscoveryTests
{
    private static Aspire70BChatClientSettings Discover(string name, params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
        var settings = new Aspire70BChatClientSettings();
        Aspire70BEndpointDiscovery.Apply(configuration, name, settings);
        return settings;
    }

    [Fact]
    public void HttpsIsPreferredOverHttp()
    {
        var options = Discover("apiservice", ("services:apiservice:http:0", "http://127.0.0.1:5080"), ("services:apiservice:https:0", "https://127.0.0.1:5443"));

        Assert.Equal(new Uri("https://127.0.0.1:5443"), options.Endpoint);
        Assert.Null(options.Key);
        Assert.Null(options.Model);
    }

    [Fact]
    public void AConnectionStringWinsOverServiceDiscoveryAndItsKeysAreCaseInsensitive()
    {
        var options = Discover("apiservice", ("services:apiservice:http:0", "http://127.0.0.1:5080"), ("ConnectionStrings:apiservice", "endpoint=http://gateway:8080/v1;KEY=k1;model=m1"));

        Assert.Equal(new Uri("http://gateway:8080/v1"), options.Endpoint);
        Assert.Equal("k1", options.Key);
        Assert.Equal("m1", options.Model);
    }

    [Fact]
    public void ABareUriIsAConnectionStringToo()
    {
        Assert.Equal(new Uri("http://gateway:8080/"), Discover("chat", ("ConnectionStrings:chat", "http://gateway:8080/")).Endpoint);
    }

    [Fact]
    public void AConnectionStringWithoutAnEndpointIsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Discover("chat", ("ConnectionStrings:chat", "Key=k1;Model=m1")));

        Assert.Equal("The connection string 'chat' has no Endpoint: expected 'Endpoint=http://host:port;Key=…;Model=…'.", error.Message);
    }

    [Fact]
    public void NothingConfiguredLeavesTheEndpointEmptyAndTheFactoryRefusesIt()
    {
        Assert.Null(Discover("apiservice").Endpoint);

        var error = Assert.Throws<OptionsValidationException>(() => Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings()));
        Assert.StartsWith("The Aspire70B gateway's endpoint is not configured", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://gateway/", "The Aspire70B gateway's endpoint must be an absolute http or https URI, got 'ftp://gateway/'.")]
    public void ANonHttpEndpointIsRefused(string endpoint, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = new Uri(endpoint) }));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ANonPositiveTimeoutIsRefused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = new Uri("http://127.0.0.1/"), NetworkTimeout = TimeSpan.Zero }));

        Assert.Equal("NetworkTimeout must be positive or Timeout.InfiniteTimeSpan, got 00:00:00.", error.Message);
    }
}
