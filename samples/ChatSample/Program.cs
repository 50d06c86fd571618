// The Connector as an app uses it: an Aspire client integration registered with the host, found by Aspire's
// configuration conventions (services__apiservice__http__0 or ConnectionStrings__apiservice), or pointed at a
// gateway with --endpoint.
//
//   dotnet run --project samples/ChatSample -- --endpoint http://127.0.0.1:5080 [--interactive]
using System.ClientModel;
using Aspire70B.Connector;
using Aspire70B.Samples.ChatSample;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// A bare switch is not configuration: take it out before the host reads the rest (--endpoint URL).
var interactive = args.Contains("--interactive");
var builder = Host.CreateApplicationBuilder(args.Where(a => a != "--interactive").ToArray());
builder.Logging.SetMinimumLevel(LogLevel.Warning);
// The sample reports a failed call itself, in one line; the telemetry layer's warning would repeat it with a stack trace.
builder.Logging.AddFilter("Microsoft.Extensions.AI.OpenTelemetryChatClient", LogLevel.Error);
var endpoint = builder.Configuration["endpoint"];
builder.AddAspire70BChatClient(configureSettings: settings =>
{
    if (endpoint is not null)
    {
        settings.Endpoint = new Uri(endpoint);
    }
});

using var host = builder.Build();
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

try
{
    var chat = host.Services.GetRequiredService<IChatClient>();
    var metadata = chat.GetService<ChatClientMetadata>()!;
    Console.WriteLine($"Aspire70B at {metadata.ProviderUri} (model: {metadata.DefaultModelId ?? "the gateway's"})");

    if (interactive)
    {
        await Conversations.InteractiveAsync(chat, Console.In, cancellation.Token);
    }
    else
    {
        await Conversations.MultiTurnAsync(chat, cancellation.Token);
        await Conversations.ToolCallingAsync(chat, cancellation.Token);
    }

    return 0;
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Start the system with 'dotnet run --project AppHost', then pass --endpoint <apiservice URL> or set services__apiservice__http__0.");
    return 2;
}
catch (Aspire70BException e)
{
    Console.Error.WriteLine($"The gateway refused: {(e.StatusCode is { } status ? $"{(int)status} " : "")}{e.ErrorCode} {e.Message}");
    return 1;
}
catch (ClientResultException e) when (e.Status == 0)
{
    // The OpenAI SDK's report of a request that got no answer at all.
    Console.Error.WriteLine($"The gateway could not be reached: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
