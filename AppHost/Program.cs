using Microsoft.Extensions.Configuration;
using Aspire70B.AppHost;
using Aspire70B.Hosting.Cache;
using Aspire70B.Hosting.Vllm;

var builder = DistributedApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, AppHostOptions.SwitchMappings.ToDictionary());
var options = builder.Configuration.GetSection(AppHostOptions.Section).Get<AppHostOptions>() ?? new AppHostOptions();

// The planner gate: a profile vLLM would refuse stops everything before anything starts.
var gate = await StartupGate.CheckAsync(options, builder.Configuration, Console.Error, ct => GpuInventory.QueryAsync(options.NvidiaSmi, ct), CancellationToken.None);
if (gate.ExitCode is { } exitCode)
{
    return exitCode;
}

// A container runtime that answers decides the form of the stores and of vLLM.
var containers = await DockerProbe.AnswersAsync(CancellationToken.None);
var cache = builder.AddCache("cache", options, containers).WithFlushPromptCacheCommand();
var batches = builder.AddCache("batches", options, containers, durable: true);

// One model server and its model, or one per replica (--replicas N), and the Modal overflow tier (--overflow modal).
var models = builder.AddModels(options, gate, containers);

var apiservice = builder.AddProject<Projects.ApiService>("apiservice", launchProfileName: null)
    .WithHttpEndpoint(port: options.Port, name: "http")
    .WithReference(cache)
    .WithReference(batches)
    .WithModels(models)
    .WithEnvironment("Gateway__Profile", gate.Profile!.Name)
    .WithGenAIContentInDevelopment()
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Worker>("worker", launchProfileName: null)
    .WithReference(cache)
    .WithReference(batches)
    .WithReference(apiservice).WaitFor(apiservice)
    .WithGenAIContentInDevelopment();

builder.WriteEndpointsFile(options.EndpointsFile, apiservice, models, cache);

builder.Build().Run();
return 0;
