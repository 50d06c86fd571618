using Aspire70B.Simulator.Apis;
using Aspire70B.Simulator.Chat;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Generation;
using Aspire70B.Simulator.Metrics;
using Aspire70B.Simulator.Options;
using Aspire70B.Simulator.Protocol;
using Aspire70B.Simulator.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Extensions;

/// <summary>Wiring of the Simulator.</summary>
internal static class SimulatorServiceExtensions
{
    /// <summary>Options (command line, configuration, <c>VLLM_API_KEY</c>), validated at start, vLLM's keep-alive timeout (<c>VLLM_HTTP_TIMEOUT_KEEP_ALIVE</c>), and the engine's parts.</summary>
    public static WebApplicationBuilder AddSimulator(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, SimulatorCommandLine.SwitchMappings);
        var services = builder.Services;
        services.AddOptions<SimulatorOptions>()
            .Bind(builder.Configuration.GetSection(SimulatorOptions.Section))
            .PostConfigure<IConfiguration>((options, configuration) => options.ApiKey ??= configuration["VLLM_API_KEY"])
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>();
        services.AddVllmKeepAlive();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SimulatedDeployment(sp.GetRequiredService<IOptions<SimulatorOptions>>().Value));
        services.AddSingleton<EngineCapacity>();
        services.AddSingleton<PrefixCache>();
        services.AddSingleton<LatencyModel>();
        services.AddSingleton<ModelVoice>();
        services.AddSingleton<VllmMetrics>();
        services.AddSingleton<SimulatedEngine>();
        services.TryAddSingleton<IChatPromptRenderer, TemplateChatRenderer>();
        services.AddSingleton<GenerationJobFactory>();
        services.AddSingleton<VllmErrorFilter>();
        services.AddSingleton<FaultInjectionFilter>();
        services.AddHostedService<StartupReport>();
        return builder;
    }

    /// <summary>Modal's edge when emulated (proxy auth, cold start), then vLLM's API-key check on /v1, /v2 and /inference.</summary>
    public static WebApplication UseVllmApiKey(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value.Modal.Enabled)
        {
            app.UseMiddleware<ModalEdgeMiddleware>();
        }

        app.UseMiddleware<ApiKeyMiddleware>();
        return app;
    }

    /// <summary>Every route of vLLM's OpenAI-compatible server the Simulator serves.</summary>
    public static WebApplication MapVllmApi(this WebApplication app)
    {
        app.MapHealthApi();
        app.MapModelsApi();
        app.MapCompletionsApi();
        app.MapTokenizeApi();
        app.MapMetricsApi();
        return app;
    }
}
