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

    /// <summary>The model servers of the chosen backend, checked by the gate: one, or one per replica.</summary>
    public static IReadOnlyList<IResourceBuilder<IResource>> AddModelServers(this IDistributedApplicationBuilder builder, AppHostOptions options,
        StartupDecision gate, bool containerRuntime)
    {
        var profile = gate.Profile!;
        var count = options.Replicas;
        var key = options.ModelKey is { Length: > 0 } k ? builder.AddParameter("model-key", k, secret: true) : null;
        switch (options.Backend)
        {
            case ModelBackend.Modal:
                return [Untyped(builder, builder.AddModalServer("vllm", gate))];
            case ModelBackend.External:
                return [Untyped(builder, builder.AddExternalVllm("vllm", profile, options.ModelEndpointUri!, key))];
            case ModelBackend.Vllm:
                return builder.AddVllmServers(options, gate, key, containerRuntime);
            default:
                return [.. Enumerable.Range(1, count).Select(replica =>
                {
                    var simulator = builder.AddVllmSimulator<Projects.Simulator>(ModelReplicas.ServerName(replica, count), profile, options.TimeScale);
                    return Untyped(builder, key is null ? simulator : simulator.WithApiKey(key));
                })];
        }
    }

    /// <summary>The Modal deployment the gate found, with the proxy-auth token as parameters (MODAL_KEY/MODAL_SECRET as the fallback).</summary>
    public static IResourceBuilder<RemoteVllmResource> AddModalServer(this IDistributedApplicationBuilder builder, string name, StartupDecision gate)
    {
        foreach (var (parameter, value) in ModalToken.EnvironmentFallback(builder.Configuration))
        {
            builder.Configuration[parameter] = value;
        }

        return builder.AddModalVllm(name, gate.Profile!, gate.ModalEndpoint);
    }

    /// <summary>
    /// <c>vllm serve</c> per replica, each planned on its own GPUs and confined to them when there are several. The first
    /// replica decides how vLLM runs (the given <c>vllm</c>, one on PATH, a <c>.venv</c> it creates, or the container);
    /// the others run the same, after the <c>.venv</c> is made, rather than each making its own.
    /// </summary>
    private static List<IResourceBuilder<IResource>> AddVllmServers(this IDistributedApplicationBuilder builder, AppHostOptions options, StartupDecision gate,
        IResourceBuilder<ParameterResource>? key, bool containerRuntime)
    {
        var count = options.Replicas;
        var servers = new List<IResourceBuilder<IResource>>();
        IResourceBuilder<VllmServerResource>? first = null;
        var container = false;
        for (var i = 0; i < count; i++)
        {
            var replica = gate.Gpus[i];
            var vllm = builder.AddVllm(ModelReplicas.ServerName(i + 1, count), gate.Profile!, first?.Resource.Command ?? options.Vllm, replica.Plan);
            if (first is null)
            {
                first = vllm;
                container = options.Container || (options.Vllm is null && vllm.Resource.EnvironmentSteps.Count > 0 && containerRuntime);
            }
            else if (!container && first.Resource.EnvironmentSteps is [.., ExecutableResource install])
            {
                vllm.WaitForCompletion(builder.CreateResourceBuilder(install));
            }

            if (count > 1)
            {
                vllm.WithGpuDevices(replica.Devices);
            }

            if (key is not null)
            {
                vllm.WithApiKey(key);
            }

            servers.Add(container ? Untyped(builder, vllm.RunAsContainer()) : Untyped(builder, vllm));
        }

        return servers;
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
