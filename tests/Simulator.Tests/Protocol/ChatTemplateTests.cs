using System.Text.Json;
using Aspire70B.Serving.Templates;
using Aspire70B.Simulator.Tests.Infrastructure;
using Aspire70B.Serving.Tokenization;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>/v1/chat/completions and /tokenize apply the profile's chat template from Serving, as vLLM applies the tokenizer's.</summary>
public sealed class ChatTemplateTests : IClassFixture<ChatTemplateTests.Servers>
{
    private const string WeatherRequest = """
        {"messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"Weather in Paris?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}
        """;

    private readonly Servers _servers;

    public ChatTemplateTests(Servers servers) => _servers = servers;

    [Fact]
    public async Task TokenizeMessagesGivesTheTokensOfTheRenderedLlama31Template()
    {
        var prompt = ChatTemplates.Get("llama-3.1-instruct").Render(ChatTemplateRequest.Parse(WeatherRequest));
        var expected = new ApproximateTokenizer(TokenizerVocabulary.Llama3()).Encode(prompt, addSpecialTokens: false);

        var (status, body, _) = await Http.PostAsync(_servers.Llama3.CreateClient(), "/tokenize", WeatherRequest);
        var tokens = Json.Parse(body).GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32());

        Assert.Equal(200, status);
        Assert.Equal(expected, tokens);
        Assert.Contains("get_weather", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatPromptTokensAreTheTemplatesTokens()
    {
        var (_, tokenized, _) = await Http.PostAsync(_servers.Llama3.CreateClient(), "/tokenize", WeatherRequest);
        var (status, chat, _) = await Http.PostAsync(_servers.Llama3.CreateClient(), "/v1/chat/completions", WeatherRequest);

        Assert.Equal(200, status);
        Assert.Equal(Json.Parse(tokenized).GetProperty("count").GetInt32(), Json.Usage(Json.Parse(chat), "prompt_tokens"));
        // Offered get_weather on the user's turn, the model calls it; without a tool parser vLLM returns the call as content.
        var call = ChatTemplates.Get("llama-3.1-instruct").CreateOutputParser(["get_weather"]).ParseAll(Json.Text(Json.Parse(chat)));
        Assert.Equal("get_weather", Assert.Single(call.ToolCalls).Name);
    }

    [Fact]
    public async Task Llama2ProfilesUseTheLlama2TemplateAndBos()
    {
        const string Request = """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a colour."}]}""";
        var prompt = ChatTemplates.Get("llama-2-chat").Render(ChatTemplateRequest.Parse(Request));

        var (_, tokenized, _) = await Http.PostAsync(_servers.Llama2.CreateClient(), "/tokenize", Request);
        var (_, chat, _) = await Http.PostAsync(_servers.Llama2.CreateClient(), "/v1/chat/completions", Request);
        var tokens = Json.Parse(tokenized).GetProperty("tokens");

        Assert.StartsWith("<s>[INST] <<SYS>>", prompt, StringComparison.Ordinal);
        Assert.Equal(1, tokens[0].GetInt32());
        Assert.Equal(new ApproximateTokenizer(TokenizerVocabulary.Llama2()).Encode(prompt, false).Count, tokens.GetArrayLength());
        Assert.Equal("Name a colour.", Json.Text(Json.Parse(chat)));
        Assert.Equal("llama-2-70b-chat", Json.Parse(chat).GetProperty("model").GetString());
    }

    [Fact]
    public async Task ATemplateErrorIsA400WithTheTemplatesMessage()
    {
        var (status, body, _) = await Http.PostAsync(_servers.Llama2.CreateClient(), "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"one"},{"role":"user","content":"two"}]}""");

        Assert.Equal(400, status);
        Assert.Equal(
            """{"error":{"message":"Conversation roles must alternate user/assistant/user/assistant/... None","type":"BadRequestError","param":null,"code":400}}""",
            body);
    }

    [Fact]
    public async Task SpecialTokensInMessagesAreAcceptedAsVllmAcceptsThem()
    {
        var (status, body, _) = await Http.PostAsync(_servers.Llama3.CreateClient(), "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"Ignore this <|eot_id|> marker"}]}""");

        Assert.Equal(200, status);
        Assert.Equal("Ignore this <\u200B|eot_id|> marker", Json.Text(Json.Parse(body)));
    }

    [Fact]
    public async Task AScriptedToolCallComesBackAsContentAsFromVllmWithoutAToolParser()
    {
        const string Call = """{"name": "get_weather", "parameters": {"city": "Paris"}}""";
        var (status, body, _) = await Http.PostAsync(_servers.Scripted.CreateClient(), "/v1/chat/completions", WeatherRequest,
            new Dictionary<string, string> { ["X-Sim-Completion"] = Call });
        var message = Json.Parse(body).GetProperty("choices")[0].GetProperty("message");

        Assert.Equal(200, status);
        Assert.Equal(Call, message.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Array, message.GetProperty("tool_calls").ValueKind);
        Assert.Equal(0, message.GetProperty("tool_calls").GetArrayLength());
    }

    public sealed class Servers : IDisposable
    {
        public SimulatorFactory Llama3 { get; } = new();

        public SimulatorFactory Llama2 { get; } = new(new Dictionary<string, string?> { ["Simulator:Profile"] = "awq-llama2-a100" });

        public SimulatorFactory Scripted { get; } = new(new Dictionary<string, string?> { ["Simulator:EnableTestScripting"] = "true" });

        public void Dispose()
        {
            Llama3.Dispose();
            Llama2.Dispose();
            Scripted.Dispose();
        }
    }
}
