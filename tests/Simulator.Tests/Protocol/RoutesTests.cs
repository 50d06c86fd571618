using Aspire70B.Simulator.Tests.Infrastructure;
using Aspire70B.Serving.Tokenization;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>/health, /ping, /version, /tokenize, /detokenize and /metrics as vLLM answers them.</summary>
public sealed class RoutesTests : IClassFixture<RoutesTests.Server>
{
    private static readonly ApproximateTokenizer Tokenizer = new(TokenizerVocabulary.Llama3());
    private readonly HttpClient _client;

    public RoutesTests(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        _client = server.Factory.CreateClient();
    }

    [Theory]
    [InlineData("GET", "/health")]
    [InlineData("GET", "/ping")]
    [InlineData("POST", "/ping")]
    public async Task HealthRoutesAnswer200WithAnEmptyBody(string method, string path)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task AnUnknownPathIsFastApisNotFound()
    {
        using var response = await _client.GetAsync(new Uri("/v1/engines", UriKind.Relative));

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("""{"detail":"Not Found"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task VersionIsThePinnedVllmVersion() =>
        Assert.Equal("""{"version":"0.11.0"}""", await _client.GetStringAsync(new Uri("/version", UriKind.Relative)));

    [Fact]
    public async Task TokenizeCountsWithTheEnginesTokenizer()
    {
        var (status, body, _) = await Http.PostAsync(_client, "/tokenize", """{"model":"llama-3.1-70b-instruct","prompt":"Hello, world! 😀"}""");
        var expected = Tokenizer.Encode("Hello, world! 😀", addSpecialTokens: true);

        Assert.Equal(200, status);
        Assert.Equal($$"""{"count":{{expected.Count}},"max_model_len":16384,"tokens":[{{string.Join(',', expected)}}],"token_strs":null}""", body);
        Assert.Equal(128000, expected[0]);
    }

    [Fact]
    public async Task TokenizeWithoutSpecialTokensAndWithTokenStrings()
    {
        var (_, body, _) = await Http.PostAsync(_client, "/tokenize", """{"prompt":"Hi there","add_special_tokens":false,"return_token_strs":true}""");

        Assert.Equal($$"""{"count":2,"max_model_len":16384,"tokens":[{{string.Join(',', Tokenizer.Encode("Hi there", false))}}],"token_strs":["Hi"," there"]}""", body);
    }

    [Fact]
    public async Task TokenizeMessagesCountsTheRenderedPromptLikeTheChatRoute()
    {
        var (_, tokenized, _) = await Http.PostAsync(_client, "/tokenize", """{"messages":[{"role":"user","content":"Paris is lovely."}]}""");
        var (_, chat, _) = await Http.PostAsync(_client, "/v1/chat/completions", """{"messages":[{"role":"user","content":"Paris is lovely."}]}""");

        var count = Json.Parse(tokenized).GetProperty("count").GetInt32();
        Assert.Equal(Json.Usage(Json.Parse(chat), "prompt_tokens"), count);
        Assert.Equal(128000, Json.Parse(tokenized).GetProperty("tokens")[0].GetInt32());
    }

    [Fact]
    public async Task DetokenizeInvertsTokenize()
    {
        const string Text = "Grüße, 世界! <|eot_id|> tabs\tand\nlines";
        var tokens = string.Join(',', Tokenizer.Encode(Text, false));

        var (status, body, _) = await Http.PostAsync(_client, "/detokenize", $$"""{"tokens":[{{tokens}}]}""");

        Assert.Equal(200, status);
        Assert.Equal(Text, Json.Parse(body).GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task DetokenizeRefusesIdsOutsideTheVocabulary()
    {
        var (status, body, _) = await Http.PostAsync(_client, "/detokenize", """{"tokens":[1,128256]}""");

        Assert.Equal(400, status);
        Assert.Equal("""{"error":{"message":"Token id 128256 is out of vocabulary","type":"BadRequestError","param":null,"code":400}}""", body);
    }

    public sealed class Server : IDisposable
    {
        public SimulatorFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }
}
