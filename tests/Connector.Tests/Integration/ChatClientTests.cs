using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>The connector against the real gateway and Simulator: plain and streamed answers, usage and identity.</summary>
[Collection(ConnectorTests.Name)]
public sealed class ChatClientTests(ConnectorFixture fixture)
{
    private static List<ChatMessage> Conversation(string prompt) => [new(ChatRole.System, "Be brief."), new(ChatRole.User, $"{prompt} #{Guid.NewGuid():N}")];

    [Fact]
    public async Task APlainResponseCarriesTheModelsTextFinishReasonIdentityAndUsage()
    {
        using var client = fixture.Client(("X-Sim-Completion", "Bonjour, Paris!"));
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);

        var response = await client.GetResponseAsync(Conversation("Greet me"), new ChatOptions { Temperature = 0, MaxOutputTokens = 16 });

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal("Bonjour, Paris!", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(ConnectorFixture.Model, response.ModelId);
        Assert.StartsWith("chatcmpl-", response.ResponseId, StringComparison.Ordinal);
        Assert.InRange(response.CreatedAt!.Value, before, DateTimeOffset.UtcNow.AddSeconds(5));
        var usage = response.Usage!;
        Assert.True(usage.InputTokenCount > 20, $"{usage.InputTokenCount} prompt tokens");
        Assert.InRange(usage.OutputTokenCount!.Value, 1, 16);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
    }

    [Fact]
    public async Task AResponseCutByMaxOutputTokensFinishesWithLength()
    {
        using var client = fixture.Client(("X-Sim-Completion", "one two three four five six seven eight nine ten"));

        var response = await client.GetResponseAsync(Conversation("Count"), new ChatOptions { MaxOutputTokens = 3 });

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(3, response.Usage!.OutputTokenCount);
        Assert.StartsWith("one", response.Text, StringComparison.Ordinal);
        Assert.NotEqual("one two three four five six seven eight nine ten", response.Text);
    }

    [Fact]
    public async Task StreamedUpdatesCarryTheSameTextAndUsageAsAPlainResponse()
    {
        using var client = fixture.Client(("X-Sim-Completion", "one two three four five"));
        var messages = Conversation("Count");
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 32 };
        var plain = await client.GetResponseAsync(messages, options);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            updates.Add(update);
        }

        Assert.Equal(ChatRole.Assistant, updates[0].Role);
        Assert.True(updates.Count(u => u.Text.Length > 0) >= 3, $"{updates.Count} updates: the text arrives in pieces");
        Assert.Equal("one two three four five", string.Concat(updates.Select(u => u.Text)));
        // The finish reason arrives once and is repeated on the updates after it (the usage), never before the last text.
        var finished = updates.FindIndex(u => u.FinishReason is not null);
        Assert.InRange(finished, 1, updates.Count - 1);
        Assert.All(updates.Skip(finished), u => Assert.Equal(ChatFinishReason.Stop, u.FinishReason));
        Assert.True(finished >= updates.FindLastIndex(u => u.Text.Length > 0), "no text after the finish reason");
        Assert.All(updates, u => Assert.StartsWith("chatcmpl-", u.ResponseId, StringComparison.Ordinal));
        Assert.All(updates, u => Assert.Equal(ConnectorFixture.Model, u.ModelId));

        var streamed = updates.ToChatResponse();
        Assert.Equal("one two three four five", streamed.Text);
        Assert.Equal(ChatFinishReason.Stop, streamed.FinishReason);
        Assert.Equal(plain.Usage!.InputTokenCount, streamed.Usage!.InputTokenCount);
        Assert.Equal(plain.Usage.OutputTokenCount, streamed.Usage.OutputTokenCount);
        Assert.Equal(plain.Usage.TotalTokenCount, streamed.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task AJsonResponseFormatIsAcceptedAndTheScriptedJsonComesBack()
    {
        using var client = fixture.Client(("X-Sim-Completion", """{"city": "Paris"}"""));

        var response = await client.GetResponseAsync(Conversation("JSON please"), new ChatOptions { ResponseFormat = ChatResponseFormat.Json, MaxOutputTokens = 32 });

        Assert.Equal("""{"city": "Paris"}""", response.Text);
    }

    [Fact]
    public async Task TopKAndVllmExtrasAreSentAsTopLevelFieldsAndTheGatewayChecksThem()
    {
        var recorder = new RecordingHandler { InnerHandler = new HeaderHandler([("X-Sim-Completion", "ok")]) { InnerHandler = new SocketsHttpHandler() } };
        using var client = Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = fixture.Gateway.BaseAddress }, new HttpClient(recorder));
        var options = new ChatOptions { TopK = 5, MaxOutputTokens = 4, AdditionalProperties = new() { ["min_p"] = 0.05, ["repetition_penalty"] = 1.1 } };

        var response = await client.GetResponseAsync(Conversation("Hi"), options);
        var refused = await Assert.ThrowsAsync<Aspire70BException>(() => client.GetResponseAsync(Conversation("Hi"), new ChatOptions { TopK = 0 }));

        Assert.Equal("ok", response.Text);
        using var sent = JsonDocument.Parse(recorder.Bodies[0]);
        Assert.Equal(5, sent.RootElement.GetProperty("top_k").GetInt32());
        Assert.Equal(0.05, sent.RootElement.GetProperty("min_p").GetDouble());
        Assert.Equal(1.1, sent.RootElement.GetProperty("repetition_penalty").GetDouble());
        Assert.False(sent.RootElement.TryGetProperty("model", out _), "no model configured: the gateway serves its own");
        Assert.Null(options.RawRepresentationFactory);
        Assert.Equal("top_k", refused.Param);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task AnExtraThatWouldOverwriteAFieldTheConnectorWritesIsRefused()
    {
        using var client = fixture.Client();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync("Hi", new ChatOptions { AdditionalProperties = new() { ["stream"] = false } }));

        Assert.StartsWith("ChatOptions.AdditionalProperties['stream'] cannot be sent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetadataNamesTheProviderTheEndpointAndTheModel()
    {
        using var client = Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = fixture.Gateway.BaseAddress, Model = ConnectorFixture.Model });

        var metadata = client.GetService<ChatClientMetadata>()!;

        Assert.Equal("aspire70b", metadata.ProviderName);
        Assert.Equal(fixture.Gateway.BaseAddress, metadata.ProviderUri);
        Assert.Equal(ConnectorFixture.Model, metadata.DefaultModelId);
        Assert.Same(client, client.GetService<IChatClient>());
        Assert.Null(client.GetService<ChatClientMetadata>("some key"));
        var response = await client.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 4 });
        Assert.Equal(ConnectorFixture.Model, response.ModelId);
    }
}
