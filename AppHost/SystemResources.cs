using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Aspire70B.Hosting.Cache;
using Aspire70B.Hosting.Vllm;

namespace Aspire70B.AppHost;

/// <summary>The map's two choices: which Redis-compatible server holds each store, and which model server runs.</summary>
internal static class SystemResources
{
    /// <summary>
    /// The prompt cache (<paramref name="durable"/> false: may evict and be lost) or the batch store (durable: every
    /// acknowledged write is kept in the data folder and survives a restart of the server).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddCache(this IDistributedApplicationBuilder builder, string name, AppHostOptions options,
        bool containerRuntime, bool durable = false)
    {
        var choice = CacheResolver.Resolve(name, new CacheProbes(builder.Configuration.GetConnectionString(name), FindOnPath, containerRuntime));
        var dataDirectory = durable ? Path.Combine(options.BatchDataDirectory, choice.Label) : null;
        return builder.AddRedisCompatible(name, choice, GarnetServerDll(), dataDirectory);
    }

    /// <summary>The GarnetServer project's program, built with the AppHost (it is a project reference) in the same configuration.</summary>
    private static string GarnetServerDll()
    {
        var configuration = typeof(SystemResources).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var project = Path.GetDirectoryName(new Projects.GarnetServer().ProjectPath)!;
        return Path.Combine(project, "bin", configuration, "net10.0", "Aspire70B.GarnetServer.dll");
    }

    /// <summary>The model server of the chosen backend, checked by the gate.</summary>
    public static IResourceBuilder<IResource> AddModelServer(this IDistributedApplicationBuilder builder, string name, AppHostOptions options,
        StartupDecision gate, bool containerRuntime)
    {
        var profile = gate.Profile!;
        var key = options.ModelKey is { Length: > 0 } k ? builder.AddParameter("model-key", k, secret: true) : null;
        switch (options.Backend)
        {
            case ModelBackend.Modal:
                foreach (var (parameter, value) in ModalToken.EnvironmentFallback(builder.Configuration))
                {
                    builder.Configuration[parameter] = value;
                }

                return Untyped(builder, builder.AddModalVllm(name, profile, gate.ModalEndpoint, options.ConfigDir));
            case ModelBackend.External:
                return Untyped(builder, builder.AddExternalVllm(name, profile, options.ModelEndpointUri!, key));
            case ModelBackend.Vllm:
                var vllm = builder.AddVllm(name, profile, options.Vllm, gate.Plan);
                if (key is not null)
                {
                    vllm.WithApiKey(key);
                }

                return options.Container || (options.Vllm is null && vllm.Resource.EnvironmentSteps.Count > 0 && containerRuntime)
                    ? Untyped(builder, vllm.RunAsContainer())
                    : Untyped(builder, vllm);
            default:
                var simulator = builder.AddVllmSimulator<Projects.Simulator>(name, profile, options.TimeScale);
                if (key is not null)
                {
                    simulator.WithApiKey(key);
                }

                return Untyped(builder, simulator);
        }
    }

    private static IResourceBuilder<IResource> Untyped<T>(IDistributedApplicationBuilder builder, IResourceBuilder<T> resource)
        where T : IResource => builder.CreateResourceBuilder<IResource>(resource.Resource);

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>The GenAI conventions' opt-in for prompts and answers on spans.</summary>
    public const string CaptureGenAIContent = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

    /// <summary>
    /// In Development, the services' GenAI spans carry prompts and answers, so the dashboard's GenAI view shows each
    /// chat; anywhere else they carry none (the conventions' default: content is sensitive).
    /// </summary>
    public static IResourceBuilder<T> WithGenAIContentInDevelopment<T>(this IResourceBuilder<T> resource)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.ApplicationBuilder.Environment.IsDevelopment() ? resource.WithEnvironment(CaptureGenAIContent, "true") : resource;
    }
}
