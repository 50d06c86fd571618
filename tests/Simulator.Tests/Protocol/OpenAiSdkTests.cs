using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Aspire70B.Simulator.Tests.Infrastructure;
using Aspire70B.Serving.Tokenization;
using OpenAI;
using OpenAI.Chat;

namespace Aspire70B.Simulator.Tests.Protocol;

/// <summary>
/// The official OpenAI .NET SDK talks to the Simulator: ChatClient for chat, and the SDK's own pipeline for
/// /v1/completions (the SDK keeps its legacy completion client internal).
/// </summary>
public sealed class OpenAiSdkTests : IClassFixture<OpenAiSdkTests.Server>
{
    private const string Model = "llama-3.1-70b-instruct";
    private static readonly ApproximateTokenizer Tokenizer = new(TokenizerVocabulary.Llama3());
    private readonly OpenAIClient _client;
    private readonly Uri _endpoint;

    public OpenAiSdkTests(Server server)
    {
        ArgumentNullException.ThrowIfNull(server);
        _endpoint = new Uri(server.Factory.Server.BaseAddress, "v1");
        _client = new OpenAIClient(new ApiKeyCredential("sim-key"), new OpenAIClientOptions
        {
            Endpoint = _endpoint,
            Transport = new HttpClientPipelineTransport(server.Factory.CreateClient()),
        });
    }

    [Fact]
    public async Task ChatClientGetsTheEchoedTurnWithUsage()
    {
        ChatCompletion completion = await _client.GetChatClient(Model).CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("What is the capital of France?")]);

        Assert.Equal("What is the capital of France?", Assert.Single(completion.Content).Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.Equal(Model, completion.Model);
        var expected = Tokenizer.Encode("What is the capital of France?", addSpecialTokens: false).Count + 1;
        Assert.Equal(expected, completion.Usage.OutputTokenCount);
        Assert.Equal(completion.Usage.InputTokenCount + expected, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task ChatClientStreamsTheSameTextInPieces()
    {
        var text = new StringBuilder();
        var updates = 0;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in _client.GetChatClient(Model).CompleteChatStreamingAsync(
            [new UserChatMessage("Stream this sentence back to me, please.")],
            new ChatCompletionOptions { MaxOutputTokenCount = 100 }))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("Stream this sentence back to me, please.", text.ToString());
        Assert.True(updates > 5, $"only {updates} updates");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(updates - 2, usage.OutputTokenCount);
    }

    [Fact]
    public async Task ChatClientReadsALengthFinish()
    {
        ChatCompletion completion = await _client.GetChatClient(Model).CompleteChatAsync(
            [new UserChatMessage("one two three four five six")], new ChatCompletionOptions { MaxOutputTokenCount = 2 });

        Assert.Equal("one two", Assert.Single(completion.Content).Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
    }

    [Fact]
    public async Task TheSdkSurfacesVllmErrors()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => _client.GetChatClient("gpt-4").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(404, error.Status);
        Assert.Contains("The model `gpt-4` does not exist.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompletionsThroughTheSdkPipeline()
    {
        using var message = CompletionMessage("""{"model":"llama-3.1-70b-instruct","prompt":"Answer:\nForty two","max_tokens":10,"temperature":0}""");
        await _client.Pipeline.SendAsync(message);
        var response = Json.Parse(message.Response!.Content.ToString());

        Assert.Equal(200, message.Response.Status);
        Assert.Equal("Forty two", Json.Text(response));
        Assert.Equal("stop", Json.FinishReason(response));
        Assert.Equal("text_completion", response.GetProperty("object").GetString());
    }

    [Fact]
    public async Task StreamedCompletionsThroughTheSdkPipelineParseAsServerSentEvents()
    {
        using var message = CompletionMessage("""{"prompt":"Answer:\nForty two","max_tokens":10,"temperature":0,"stream":true}""");
        message.BufferResponse = false;
        await _client.Pipeline.SendAsync(message);

        var events = new List<string>();
        await foreach (var item in SseParser.Create(message.Response!.ContentStream!).EnumerateAsync())
        {
            Assert.Equal("message", item.EventType);
            events.Add(item.Data);
        }

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(Json.Parse).ToList();
        Assert.Equal("Forty two", string.Concat(chunks.Select(c => Json.Text(c))));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.All(chunks, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
    }

    private PipelineMessage CompletionMessage(string json)
    {
        var message = _client.Pipeline.CreateMessage();
        message.Request.Method = "POST";
        message.Request.Uri = new Uri(_endpoint + "/completions");
        message.Request.Headers.Set("Content-Type", "application/json");
        message.Request.Content = BinaryContent.Create(BinaryData.FromString(json));
        return message;
    }

    public sealed class Server : IDisposable
    {
        public SimulatorFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }
}
