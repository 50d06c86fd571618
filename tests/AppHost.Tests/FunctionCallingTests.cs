using System.ClientModel;
using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Aspire70B.Connector;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.SemanticKernel;
using OpenAI;
using OpenAI.Chat;

namespace Aspire70B.AppHost.Tests;

/// <summary>
/// Function calling end to end, against the system the AppHost runs (the Simulator calls tools on its own): Semantic
/// Kernel's auto function calling, Microsoft.Extensions.AI's UseFunctionInvocation(), a streamed call assembled by the
/// SDK, and the official OpenAI SDK's own client.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class FunctionCallingTests(RunningSystem system)
{
    private const string Model = "llama-3.1-70b-instruct";

    private Uri Gateway => system.ApiServiceUrl;

    [Fact]
    public async Task SemanticKernelsAutoFunctionCallingInvokesThePluginAndAnswersWithItsResult()
    {
        var builder = Kernel.CreateBuilder();
        builder.AddAspire70BChatCompletion(configureSettings: s => s.Endpoint = Gateway);
        var weather = new WeatherPlugin();
        builder.Plugins.AddFromObject(weather, "Weather");
        var kernel = builder.Build();

        var answer = await kernel.InvokePromptAsync(
            $"What is the weather in Paris right now? #{Guid.NewGuid():N}",
            new KernelArguments(new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }));

        var (city, result) = Assert.Single(weather.Calls);
        Assert.False(string.IsNullOrWhiteSpace(city));
        Assert.Contains(result, answer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseFunctionInvocationInvokesTheFunctionAndAnswersWithItsResult()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddAspire70BChatClient(configureSettings: s => s.Endpoint = Gateway).UseFunctionInvocation();
        using var host = builder.Build();
        var calls = new List<(string City, string Result)>();
        var function = AIFunctionFactory.Create(
            ([Description("The city, e.g. Paris")] string city) =>
            {
                var result = WeatherPlugin.Report(city);
                calls.Add((city, result));
                return result;
            },
            "get_weather",
            "The current weather in a city.");

        var response = await host.Services.GetRequiredService<IChatClient>().GetResponseAsync(
            $"What is the weather in Paris right now? #{Guid.NewGuid():N}", new ChatOptions { Tools = [function], MaxOutputTokens = 256 });

        var (city, result) = Assert.Single(calls);
        Assert.False(string.IsNullOrWhiteSpace(city));
        Assert.Contains(result, response.Text, StringComparison.Ordinal);
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.Stop, response.FinishReason);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<Microsoft.Extensions.AI.FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamedToolCallArrivesAsDeltasTheSdkAssemblesIntoOneCall()
    {
        using var chat = Aspire70BChatClientFactory.Create(new Aspire70BChatClientSettings { Endpoint = Gateway });
        var function = AIFunctionFactory.Create((string city) => WeatherPlugin.Report(city), "get_weather", "The current weather in a city.");

        List<ChatResponseUpdate> updates = [];
        await foreach (var update in chat.GetStreamingResponseAsync($"Weather in Oslo? #{Guid.NewGuid():N}", new ChatOptions { Tools = [function], MaxOutputTokens = 256 }))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.ToolCalls, response.FinishReason);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<Microsoft.Extensions.AI.FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal(["city"], call.Arguments!.Keys);
        Assert.Equal(JsonValueKind.String, ((JsonElement)call.Arguments["city"]!).ValueKind);
        Assert.Equal("", response.Text);
        Assert.True(updates.Count > 1, $"{updates.Count} update(s)");
    }

    [Fact]
    public async Task TheStreamCarriesTheToolCallAsAToolCallsDeltaEndingInTheToolCallsFinishReason()
    {
        using var http = new HttpClient { Timeout = TestApp.Bound };
        const string Tools = """
            "tools":[{"type":"function","function":{"name":"get_weather","description":"The current weather in a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]
            """;
        var body = $$"""{"model":"{{Model}}","stream":true,"max_tokens":256,"messages":[{"role":"user","content":"Weather in Oslo? #{{Guid.NewGuid():N}}"}],{{Tools}}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Gateway, "v1/chat/completions")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).ToList();

        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).Where(c => c.GetProperty("choices").GetArrayLength() > 0).ToList();
        var deltas = chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
        var toolCalls = deltas.Where(d => d.TryGetProperty("tool_calls", out _)).SelectMany(d => d.GetProperty("tool_calls").EnumerateArray()).ToList();
        Assert.NotEmpty(toolCalls);
        Assert.All(toolCalls, t => Assert.Equal(0, t.GetProperty("index").GetInt32()));
        Assert.Equal("get_weather", toolCalls.Single(t => t.TryGetProperty("id", out _)).GetProperty("function").GetProperty("name").GetString());
        var arguments = string.Concat(toolCalls.Select(t => t.GetProperty("function").TryGetProperty("arguments", out var a) ? a.GetString() : ""));
        using var parsed = JsonDocument.Parse(arguments);
        Assert.Equal(JsonValueKind.String, parsed.RootElement.GetProperty("city").ValueKind);
        Assert.Equal("tool_calls", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task TheOfficialOpenAiSdksChatClientSeesFinishReasonToolCalls()
    {
        var client = new ChatClient(Model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(Gateway, "v1") });
        var tool = ChatTool.CreateFunctionTool(
            "get_weather",
            "The current weather in a city.",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage($"What is the weather in Paris? #{Guid.NewGuid():N}")],
            new ChatCompletionOptions { Tools = { tool }, MaxOutputTokenCount = 256 });

        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal(ChatToolCallKind.Function, call.Kind);
        using var arguments = JsonDocument.Parse(call.FunctionArguments);
        Assert.Equal(["city"], arguments.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, arguments.RootElement.GetProperty("city").ValueKind);
    }

    private sealed class WeatherPlugin
    {
        public List<(string City, string Result)> Calls { get; } = [];

        public static string Report(string city) => $"{city}: {8 + (city.Length * 7 % 17)} °C";

        [KernelFunction("get_weather"), Description("The current weather in a city.")]
        public string GetWeather([Description("The city, e.g. Paris")] string city)
        {
            var result = Report(city);
            Calls.Add((city, result));
            return result;
        }
    }
}
