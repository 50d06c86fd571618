using System.Net.Http.Headers;
using Aspire70B.Simulator.Tests.Infrastructure;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>With an API key, /v1 needs the bearer key and everything else stays open, as in vLLM.</summary>
public sealed class ApiKeyTests : IClassFixture<ApiKeyTests.Servers>
{
    private const string Unauthorized = """{"error":"Unauthorized"}""";
    private const string Chat = """{"messages":[{"role":"user","content":"Hi"}]}""";
    private readonly Servers _servers;

    public ApiKeyTests(Servers servers) => _servers = servers;

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    [InlineData("Bearer s3cret-key2")]
    [InlineData("Basic s3cret-key")]
    [InlineData("s3cret-key")]
    public async Task AWrongOrMissingKeyGets401WithVllmsBody(string? authorization)
    {
        foreach (var path in new[] { "/v1/chat/completions", "/v1/completions" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(Chat) };
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await _servers.WithKey.CreateClient().SendAsync(request);

            Assert.Equal(401, (int)response.StatusCode);
            Assert.Equal(Unauthorized, await response.Content.ReadAsStringAsync());
        }

        using var models = await _servers.WithKey.CreateClient().GetAsync(new Uri("/v1/models", UriKind.Relative));
        Assert.Equal(401, (int)models.StatusCode);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task TheRightKeyPassesWhateverTheSchemesCase(string scheme)
    {
        var client = _servers.WithKey.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, "s3cret-key");

        var (status, body, _) = await Http.PostAsync(client, "/v1/chat/completions", Chat);

        Assert.Equal(200, status);
        Assert.Equal("Hi", Json.Text(Json.Parse(body)));
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/metrics")]
    [InlineData("/version")]
    public async Task OtherRoutesStayOpen(string path)
    {
        using var response = await _servers.WithKey.CreateClient().GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task TokenizeStaysOpen()
    {
        var (status, body, _) = await Http.PostAsync(_servers.WithKey.CreateClient(), "/tokenize", """{"prompt":"Hi"}""");

        Assert.Equal(200, status);
        Assert.StartsWith("""{"count":2,""", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheKeyCanComeFromVllmApiKey()
    {
        var client = _servers.FromEnvironment.CreateClient();
        var (denied, _, _) = await Http.PostAsync(client, "/v1/chat/completions", Chat);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "env-key");
        var (allowed, _, _) = await Http.PostAsync(client, "/v1/chat/completions", Chat);

        Assert.Equal(401, denied);
        Assert.Equal(200, allowed);
    }

    [Fact]
    public async Task WithoutAKeyNothingIsChecked()
    {
        var (status, _, _) = await Http.PostAsync(_servers.WithoutKey.CreateClient(), "/v1/chat/completions", Chat);

        Assert.Equal(200, status);
    }

    public sealed class Servers : IDisposable
    {
        public SimulatorFactory WithKey { get; } = new(new Dictionary<string, string?> { ["Simulator:ApiKey"] = "s3cret-key" });

        public SimulatorFactory FromEnvironment { get; } = new(new Dictionary<string, string?> { ["VLLM_API_KEY"] = "env-key" });

        public SimulatorFactory WithoutKey { get; } = new();

        public void Dispose()
        {
            WithKey.Dispose();
            FromEnvironment.Dispose();
            WithoutKey.Dispose();
        }
    }
}
