// Semantic Kernel on the Aspire70B gateway: a plugin of two functions, auto function calling, each call printed.
// The gateway is found by Aspire's conventions in the environment (services__apiservice__http__0 or
// ConnectionStrings__apiservice), as the AppHost passes it to a service that references apiservice.
//
//   services__apiservice__http__0=http://127.0.0.1:5080 dotnet run --project samples/SemanticKernelSample
using Aspire70B.Samples.SemanticKernelSample;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

var builder = Kernel.CreateBuilder();
builder.AddAspire70BChatCompletion();                                   // the gateway, as an IChatCompletionService
builder.Plugins.AddFromType<WeatherPlugin>("Weather");                  // get_weather and get_forecast
builder.Services.AddSingleton<IAutoFunctionInvocationFilter, PrintFunctionCalls>();
var kernel = builder.Build();

const string Question = "What is the weather in Paris right now?";
Console.WriteLine($"user: {Question}");
try
{
    var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
    var answer = await kernel.InvokePromptAsync(Question, new KernelArguments(settings));
    Console.WriteLine($"assistant: {answer}");
    return 0;
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Start the system with 'dotnet run --project AppHost', then set services__apiservice__http__0 to apiservice's URL.");
    return 2;
}
