using System.Text.Json;
using Aspire70B.Simulator.Tests.Infrastructure;
using Aspire70B.Serving.Tokenization;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>n, stop, max_tokens, min_tokens, ignore_eos, seed and temperature behave as in vLLM.</summary>
public sealed class SamplingBehaviourTests : IClassFixture<SamplingBehaviourTests.Servers>
{
    private readonly Servers _servers;

    public SamplingBehaviourTests(Servers servers) => _servers = servers;

    private HttpClient Echo => _servers.Echo.CreateClient();

    private HttpClient Lorem => _servers.Lorem.CreateClient();

    [Fact]
    public async Task StopStringIsKeptWhenIncludeStopStrInOutput()
    {
        var response = await Complete(Echo, """{"prompt":"Repeat: one two three four","stop":"three","include_stop_str_in_output":true,"temperature":0}""");

        Assert.Equal("Repeat: one two three", Json.Text(response));
        Assert.Equal("three", response.GetProperty("choices")[0].GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task StreamedTextNeverShowsAPartialStopString()
    {
        var (_, body, _) = await Http.PostAsync(Echo, "/v1/completions",
            """{"prompt":"Repeat: one two thre three","stop":["three"],"stream":true,"temperature":0}""");
        var chunks = Http.SseEvents(body)[..^1].Select(Json.Parse).ToList();
        var texts = chunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()).ToList();

        Assert.Equal("Repeat: one two thre ", string.Concat(texts));
        Assert.All(texts, t => Assert.DoesNotContain("three", t, StringComparison.Ordinal));
        var last = chunks[^1].GetProperty("choices")[0];
        Assert.Equal("stop", last.GetProperty("finish_reason").GetString());
        Assert.Equal("three", last.GetProperty("stop_reason").GetString());
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
    }

    [Fact]
    public async Task EndOfSequenceEndsGenerationAndCountsAsAToken()
    {
        var response = await Complete(Echo, """{"prompt":"Hello there","max_tokens":50,"temperature":0}""");

        Assert.Equal("Hello there", Json.Text(response));
        Assert.Equal("stop", Json.FinishReason(response));
        Assert.Equal(3, Json.Usage(response, "completion_tokens"));
    }

    [Fact]
    public async Task IgnoreEosGeneratesUntilMaxTokens()
    {
        var response = await Complete(Echo, """{"prompt":"Hello there","max_tokens":12,"ignore_eos":true,"temperature":0}""");

        Assert.StartsWith("Hello there ", Json.Text(response), StringComparison.Ordinal);
        Assert.Equal("length", Json.FinishReason(response));
        Assert.Equal(12, Json.Usage(response, "completion_tokens"));
    }

    [Fact]
    public async Task MinTokensDelaysTheEndOfSequence()
    {
        var response = await Complete(Echo, """{"prompt":"Hello there","max_tokens":40,"min_tokens":9,"temperature":0}""");

        Assert.Equal("stop", Json.FinishReason(response));
        Assert.Equal(10, Json.Usage(response, "completion_tokens"));
    }

    [Fact]
    public async Task CompletionsDefaultToSixteenTokens()
    {
        var response = await Complete(Lorem, """{"prompt":"Tell me a story","ignore_eos":true}""");

        Assert.Equal(16, Json.Usage(response, "completion_tokens"));
        Assert.Equal("length", Json.FinishReason(response));
    }

    [Fact]
    public async Task ChatDefaultsToTheRestOfTheContext()
    {
        var response = await Post(_servers.Llama2.CreateClient(), "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"Write forever"}],"ignore_eos":true,"temperature":0}""");

        Assert.Equal("length", Json.FinishReason(response));
        Assert.Equal(4096, Json.Usage(response, "prompt_tokens") + Json.Usage(response, "completion_tokens"));
    }

    [Fact]
    public async Task GreedyChoicesAreIdenticalAndCountedTogether()
    {
        var response = await Complete(Lorem, """{"prompt":"Once upon a time","n":3,"max_tokens":8,"temperature":0,"ignore_eos":true}""");
        var choices = response.GetProperty("choices");

        Assert.Equal([0, 1, 2], choices.EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(Json.Text(response, 0), Json.Text(response, 1));
        Assert.Equal(Json.Text(response, 0), Json.Text(response, 2));
        Assert.Equal(24, Json.Usage(response, "completion_tokens"));
    }

    [Fact]
    public async Task TemperatureZeroIsDeterministicForAPrompt()
    {
        const string Request = """{"prompt":"The weather today","max_tokens":30,"temperature":0}""";

        var first = Json.Text(await Complete(Lorem, Request));
        var second = Json.Text(await Complete(Lorem, Request));
        var other = Json.Text(await Complete(Lorem, """{"prompt":"The weather tomorrow","max_tokens":30,"temperature":0}"""));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task ASeedMakesSamplingRepeatableAndChoicesDiffer()
    {
        const string Request = """{"prompt":"Seeded","max_tokens":20,"temperature":0.8,"seed":7,"n":2,"ignore_eos":true}""";

        var first = await Complete(Lorem, Request);
        var again = await Complete(Lorem, Request);
        var otherSeed = await Complete(Lorem, """{"prompt":"Seeded","max_tokens":20,"temperature":0.8,"seed":8,"ignore_eos":true}""");

        Assert.Equal(Json.Text(first, 0), Json.Text(again, 0));
        Assert.Equal(Json.Text(first, 1), Json.Text(again, 1));
        Assert.NotEqual(Json.Text(first, 0), Json.Text(first, 1));
        Assert.NotEqual(Json.Text(first, 0), Json.Text(otherSeed, 0));
    }

    [Fact]
    public async Task ABatchOfPromptsAnswersEachPromptNTimesInOrder()
    {
        var response = await Complete(Echo, """{"prompt":["alpha","beta"],"n":2,"temperature":0}""");

        Assert.Equal(["alpha", "alpha", "beta", "beta"], Enumerable.Range(0, 4).Select(i => Json.Text(response, i)));
    }

    [Fact]
    public async Task StopTokenIdsStopWithTheTokenIdAsReason()
    {
        var headers = new Dictionary<string, string> { ["X-Sim-Completion"] = "Checking.<|eom_id|>More text" };
        var (_, body, _) = await Http.PostAsync(_servers.Scripted.CreateClient(), "/v1/completions",
            """{"prompt":"Go","stop_token_ids":[128008],"temperature":0}""", headers);
        var response = Json.Parse(body);

        Assert.Equal("Checking.", Json.Text(response));
        Assert.Equal(128008, response.GetProperty("choices")[0].GetProperty("stop_reason").GetInt32());
    }

    [Fact]
    public async Task AStreamedChatWithTwoChoicesOpensEachWithARoleChunkAndCountsBoth()
    {
        var (_, body, _) = await Http.PostAsync(Echo, "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"Two voices"}],"n":2,"temperature":0,"stream":true,"stream_options":{"include_usage":true}}""");
        var chunks = Http.SseEvents(body)[..^1].Select(Json.Parse).ToList();
        var choices = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1).Select(c => c.GetProperty("choices")[0]).ToList();

        Assert.Equal(["assistant", "assistant"], choices.Take(2).Select(c => c.GetProperty("delta").GetProperty("role").GetString()));
        Assert.Equal([0, 1], choices.Take(2).Select(c => c.GetProperty("index").GetInt32()));
        foreach (var index in new[] { 0, 1 })
        {
            var mine = choices.Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal("Two voices", string.Concat(mine.Skip(1).Select(c => c.GetProperty("delta").GetProperty("content").GetString())));
            Assert.Equal("stop", mine[^1].GetProperty("finish_reason").GetString());
        }

        var perChoice = new ApproximateTokenizer(TokenizerVocabulary.Llama3()).Encode("Two voices", addSpecialTokens: false).Count + 1;
        Assert.Equal(2 * perChoice, Json.Usage(chunks[^1], "completion_tokens"));
    }

    [Fact]
    public async Task AddSpecialTokensDecidesWhetherTheEngineSeesASecondBos()
    {
        var withBos = await Complete(Echo, """{"prompt":"<|begin_of_text|>Hi","max_tokens":1}""");
        var without = await Complete(Echo, """{"prompt":"<|begin_of_text|>Hi","max_tokens":1,"add_special_tokens":false}""");

        Assert.Equal(3, Json.Usage(withBos, "prompt_tokens"));
        Assert.Equal(2, Json.Usage(without, "prompt_tokens"));
    }

    [Fact]
    public async Task APromptOfTokenIdsIsUsedAsGiven()
    {
        var ids = new ApproximateTokenizer(TokenizerVocabulary.Llama3()).Encode("Token prompt", addSpecialTokens: false);

        var response = await Complete(Echo, $$"""{"prompt":[{{string.Join(',', ids)}}],"temperature":0}""");

        Assert.Equal(ids.Count, Json.Usage(response, "prompt_tokens"));
        Assert.Equal("Token prompt", Json.Text(response));
    }

    private static Task<JsonElement> Complete(HttpClient client, string json) => Post(client, "/v1/completions", json);

    private static async Task<JsonElement> Post(HttpClient client, string path, string json)
    {
        var (status, body, _) = await Http.PostAsync(client, path, json);
        Assert.True(status == 200, body);
        return Json.Parse(body);
    }

    public sealed class Servers : IDisposable
    {
        public SimulatorFactory Echo { get; } = new();

        public SimulatorFactory Lorem { get; } = new(new Dictionary<string, string?> { ["Simulator:Mode"] = "lorem" });

        public SimulatorFactory Llama2 { get; } = new(new Dictionary<string, string?> { ["Simulator:Profile"] = "awq-llama2-a100", ["Simulator:Mode"] = "lorem" });

        public SimulatorFactory Scripted { get; } = new(new Dictionary<string, string?> { ["Simulator:EnableTestScripting"] = "true" });

        public void Dispose()
        {
            Echo.Dispose();
            Lorem.Dispose();
            Llama2.Dispose();
            Scripted.Dispose();
        }
    }
}
