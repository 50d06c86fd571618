namespace Aspire70B.TestSupport;

/// <summary>Starts the Simulator and the gateway (ApiService) as real processes, wired by Aspire's environment contract.</summary>
public static class SystemProcesses
{
    public const string Model = "llama-3.1-70b-instruct";
    public const string Profile = "awq-int4-a100";

    /// <summary>The Simulator for <see cref="Profile"/>, with test scripting (<c>X-Sim-Completion</c>) and fault injection on.</summary>
    public static Task<ServiceProcess> StartSimulatorAsync(string timeScale = "0", string? apiKey = null) => ServiceProcess.StartAsync(
        "Simulator",
        ["--profile", Profile, "--time-scale", timeScale, "--seed", "0", "--enable-test-scripting", "--enable-fault-injection",
         .. apiKey is null ? Array.Empty<string>() : ["--api-key", apiKey]],
        new Dictionary<string, string>(),
        "health");

    /// <summary>The gateway in front of <paramref name="simulator"/>, forwarding the Simulator's test headers.</summary>
    /// <remarks>The batch store is given the cache server too unless <paramref name="extra"/> names one (<c>ConnectionStrings__batches</c>).</remarks>
    public static Task<ServiceProcess> StartGatewayAsync(ServiceProcess simulator, string? cache, IDictionary<string, string>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__model"] = $"Endpoint={simulator.BaseAddress};Model={Model}",
            ["Gateway__Profile"] = Profile,
            ["Backend__RetryDelay"] = "00:00:00.050",
            ["Backend__ForwardHeaders__0"] = "X-Sim-Completion",
            ["Backend__ForwardHeaders__1"] = "X-Sim-Fail-Status",
            ["Backend__ForwardHeaders__2"] = "X-Sim-Drop-After-Tokens",
            ["Backend__ForwardHeaders__3"] = "X-Sim-Delay-Ms",
            ["Backend__ForwardHeaders__4"] = "X-Sim-Fail-After-Tokens",
            ["Backend__ForwardHeaders__5"] = "X-Sim-Tool-Calls",
            ["PromptCache__OperationTimeout"] = "00:00:00.200",
        };
        if (cache is not null)
        {
            environment["ConnectionStrings__cache"] = cache;
            environment["ConnectionStrings__batches"] = cache;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return ServiceProcess.StartAsync("ApiService", [], environment, "alive");
    }
}
