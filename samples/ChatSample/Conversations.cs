using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Aspire70B.Samples.ChatSample;

/// <summary>What the sample does with the chat client: streamed multi-turn chat, and a hand-written tool-calling loop.</summary>
internal static class Conversations
{
    public static async Task MultiTurnAsync(IChatClient chat, CancellationToken cancellationToken)
    {
        List<ChatMessage> history = [new(ChatRole.System, "You are a concise assistant. Answer in at most two sentences.")];
        foreach (var question in new[] { "What is tensor parallelism, in one sentence?", "And why does a 70B model need it on 80 GB GPUs?" })
        {
            await TurnAsync(chat, history, question, cancellationToken);
        }
    }

    public static async Task InteractiveAsync(IChatClient chat, TextReader input, CancellationToken cancellationToken)
    {
        List<ChatMessage> history = [new(ChatRole.System, "You are a concise assistant.")];
        Console.WriteLine("Type a message; an empty line ends the chat.");
        while (true)
        {
            Console.Write("> ");
            var line = await input.ReadLineAsync(cancellationToken);
            if (string.IsNullOrWhiteSpace(line))
            {
                return;
            }

            await TurnAsync(chat, history, line, cancellationToken, echo: false);
        }
    }

    /// <summary>
    /// Offers get_weather and loops until the model answers in text: each function call is run here and its result
    /// sent back as a tool message, written out to show the turns (the integration's builder does the same with UseFunctionInvocation()).
    /// </summary>
    public static async Task ToolCallingAsync(IChatClient chat, CancellationToken cancellationToken)
    {
        var weather = AIFunctionFactory.Create(GetWeather, "get_weather");
        var options = new ChatOptions { Tools = [weather], Temperature = 0, MaxOutputTokens = 256 };
        List<ChatMessage> messages = [new(ChatRole.User, "What's the weather in Paris right now?")];
        Console.WriteLine($"\nuser: {messages[0].Text}");

        for (var round = 1; round <= 5; round++)
        {
            var response = await chat.GetResponseAsync(messages, options, cancellationToken);
            messages.AddMessages(response);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            if (calls.Count == 0)
            {
                Console.WriteLine($"assistant: {response.Text}");
                Console.WriteLine($"  [{response.FinishReason}; {response.Usage?.InputTokenCount} prompt + {response.Usage?.OutputTokenCount} completion tokens]");
                return;
            }

            foreach (var call in calls)
            {
                var result = await weather.InvokeAsync(new AIFunctionArguments(call.Arguments), cancellationToken);
                Console.WriteLine($"  tool {call.Name}({JsonSerializer.Serialize(call.Arguments)}) -> {result}");
                messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));
            }
        }

        Console.WriteLine("The model kept calling tools; giving up after 5 rounds.");
    }

    [Description("The current weather in a city.")]
    private static WeatherReport GetWeather([Description("The city, e.g. Paris")] string city) =>
        new(city, city.Length % 2 == 0 ? "sunny" : "cloudy", 12 + (city.Length * 3 % 15));

    private static async Task TurnAsync(IChatClient chat, List<ChatMessage> history, string question, CancellationToken cancellationToken, bool echo = true)
    {
        if (echo)
        {
            Console.WriteLine($"\nuser: {question}");
        }

        history.Add(new ChatMessage(ChatRole.User, question));
        Console.Write("assistant: ");
        List<ChatResponseUpdate> updates = [];
        await foreach (var update in chat.GetStreamingResponseAsync(history, new ChatOptions { Temperature = 0.7f, MaxOutputTokens = 200 }, cancellationToken))
        {
            Console.Write(update.Text);
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        history.AddMessages(response);
        Console.WriteLine();
        Console.WriteLine($"  [{response.FinishReason}; {response.Usage?.InputTokenCount} prompt + {response.Usage?.OutputTokenCount} completion tokens]");
    }

    private sealed record WeatherReport(string City, string Sky, int TemperatureC);
}
