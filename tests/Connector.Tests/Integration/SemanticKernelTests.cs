using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Aspire70B.Connector.Tests.Integration;

/// <summary>Connector.SemanticKernel against the real gateway: registration, settings and Semantic Kernel's auto function calling.</summary>
[Collection(ConnectorTests.Name)]
public sealed class SemanticKernelTests(ConnectorFixture fixture)
{
    private const string WeatherCall = """{"name": "Weather_get_weather", "parameters": {"city": "Paris"}}""";

    private IKernelBuilder KernelFor(Queue<string> answers, RecordingHandler? recorder = null, string? serviceId = null)
    {
        var builder = Kernel.CreateBuilder();
        builder.AddAspire70BChatCompletion(configureSettings: s => s.Endpoint = fixture.Gateway.BaseAddress, serviceId: serviceId);
        var name = serviceId is null ? Aspire70BChatClientExtensions.HttpClientName : $"{Aspire70BChatClientExtensions.HttpClientName}.{serviceId}";
        var http = builder.Services.AddHttpClient(name);
        if (recorder is not null)
        {
            http.AddHttpMessageHandler(() => recorder);
        }

        http.AddHttpMessageHandler(() => new ScriptHandler(answers));
        return builder;
    }

    [Fact]
    public async Task AutoFunctionCallingInvokesThePluginAndAnswersWithItsResult()
    {
        var answers = new Queue<string>([WeatherCall, "It is 18 degrees and sunny in Paris."]);
        var recorder = new RecordingHandler();
        var builder = KernelFor(answers, recorder);
        var weather = new WeatherPlugin();
        builder.Plugins.AddFromObject(weather, "Weather");
        var calls = new CallRecorder();
        builder.Services.AddSingleton<IAutoFunctionInvocationFilter>(calls);
        var kernel = builder.Build();

        var answer = await kernel.InvokePromptAsync(
            $"What is the weather in Paris? #{Guid.NewGuid():N}",
            new KernelArguments(new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }));

        Assert.Equal("It is 18 degrees and sunny in Paris.", answer.ToString());
        Assert.Equal(["Paris"], weather.Cities);
        Assert.Equal(["Weather.get_weather(city=Paris) -> Paris: 18 °C, sunny"], calls.Seen);
        Assert.Empty(answers);
        Assert.Equal(2, recorder.Bodies.Count);
        using var first = JsonDocument.Parse(recorder.Bodies[0]);
        var tools = first.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function")).ToList();
        // Semantic Kernel names a plugin's function to the model as {plugin}_{function}.
        Assert.Equal(["Weather_get_forecast", "Weather_get_weather"], tools.Select(t => t.GetProperty("name").GetString()).Order());
        var parameters = tools.Single(t => t.GetProperty("name").GetString() == "Weather_get_weather").GetProperty("parameters");
        Assert.Equal("string", parameters.GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        Assert.Equal(["city"], parameters.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        using var second = JsonDocument.Parse(recorder.Bodies[1]);
        var tool = second.RootElement.GetProperty("messages").EnumerateArray().Last();
        Assert.Equal("tool", tool.GetProperty("role").GetString());
        Assert.Contains("Paris: 18 °C, sunny", tool.GetProperty("content").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServiceIdRegistersAKeyedServiceWithItsOwnSettingsSection()
    {
        var builder = KernelFor(new Queue<string>(["keyed"]), serviceId: "llama");
        builder.Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(
            [KeyValuePair.Create("Aspire:Aspire70B:Chat:llama:Model", (string?)ConnectorFixture.Model)]).Build());
        var kernel = builder.Build();

        Assert.Null(kernel.Services.GetService<IChatCompletionService>());
        var chat = kernel.GetRequiredService<IChatCompletionService>("llama");
        var reply = await chat.GetChatMessageContentAsync($"Hi #{Guid.NewGuid():N}", new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["max_tokens"] = 8 } });

        Assert.Equal("keyed", reply.Content);
        Assert.Equal(ConnectorFixture.Model, reply.ModelId);
    }

    [Fact]
    public async Task AKernelWithoutConfigurationFindsTheGatewayInTheEnvironment()
    {
        // A connection name of its own, so the variable cannot reach another test.
        var name = $"sk{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable($"services__{name}__http__0", fixture.Gateway.BaseAddress.ToString());
        try
        {
            var builder = Kernel.CreateBuilder();
            builder.AddAspire70BChatCompletion(name);
            builder.Services.AddHttpClient(Aspire70BChatClientExtensions.HttpClientName).AddHttpMessageHandler(() => new ScriptHandler(new Queue<string>(["from the environment"])));

            var reply = await builder.Build().GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync("Hi");

            Assert.Equal("from the environment", reply.Content);
        }
        finally
        {
            Environment.SetEnvironmentVariable($"services__{name}__http__0", null);
        }
    }

    [Fact]
    public async Task TheHostFormSitsNextToTheChatClientAndSharesItsHttpClient()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create("services:apiservice:http:0", (string?)fixture.Gateway.BaseAddress.ToString())]);
        builder.AddAspire70BChatClient();
        builder.Services.AddKernel();
        builder.Services.AddAspire70BChatCompletion();
        var answers = new Queue<string>(["through the kernel", "through the chat client"]);
        builder.Services.AddHttpClient(Aspire70BChatClientExtensions.HttpClientName).AddHttpMessageHandler(() => new ScriptHandler(answers));
        using var host = builder.Build();

        var kernel = host.Services.GetRequiredService<Kernel>();
        var viaKernel = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync($"Hi #{Guid.NewGuid():N}");
        var chat = host.Services.GetRequiredService<IChatClient>();
        var viaChat = await chat.GetResponseAsync($"Hi #{Guid.NewGuid():N}");

        Assert.Equal("through the kernel", viaKernel.Content);
        Assert.Equal("through the chat client", viaChat.Text);
        Assert.Equal("aspire70b", chat.GetService<ChatClientMetadata>()!.ProviderName);
    }

    [Fact]
    public void AnAppOnMicrosoftExtensionsAIAloneDoesNotLoadSemanticKernel()
    {
        var references = typeof(Aspire70BChatClientFactory).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Microsoft.Extensions.AI", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.SemanticKernel", StringComparison.Ordinal));
    }

    private sealed class WeatherPlugin
    {
        public List<string> Cities { get; } = [];

        [KernelFunction("get_weather"), Description("The current weather in a city.")]
        public string GetWeather([Description("The city, e.g. Paris")] string city)
        {
            Cities.Add(city);
            return $"{city}: 18 °C, sunny";
        }

        [KernelFunction("get_forecast"), Description("The forecast for a city.")]
        public string GetForecast(string city, [Description("How many days ahead, 1 to 7")] int days)
        {
            Cities.Add(city);
            return $"{city} in {days} days: rain";
        }
    }

    private sealed class CallRecorder : IAutoFunctionInvocationFilter
    {
        public List<string> Seen { get; } = [];

        public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
        {
            await next(context);
            var arguments = string.Join(", ", context.Arguments!.Select(a => $"{a.Key}={a.Value}"));
            Seen.Add($"{context.Function.PluginName}.{context.Function.Name}({arguments}) -> {context.Result}");
        }
    }
}
