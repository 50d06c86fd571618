namespace Aspire70B.Simulator.Options;

/// <summary>How the simulated model chooses its words.</summary>
public enum SimulatorMode
{
    /// <summary>Readable filler ("Lorem ipsum …"), deterministic for a prompt and seed when temperature is 0.</summary>
    Lorem,

    /// <summary>Repeats the last user turn (for a plain prompt: its last non-empty line).</summary>
    Echo,
}

/// <summary>
/// The Simulator's settings, bound from the <c>Simulator</c> configuration section (<c>Simulator__Profile</c>, …) and
/// from the command line (<c>--profile</c>, <c>--time-scale</c>, …). Validated at start.
/// </summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>The deployment profile to emulate (see <c>AppHost profiles</c>).</summary>
    public string Profile { get; set; } = Aspire70B.Serving.Profiles.DeploymentProfiles.Default.Name;

    /// <summary>Multiplies every simulated delay; 0 removes them (capacity limits still apply).</summary>
    public double TimeScale { get; set; } = 1.0;

    public SimulatorMode Mode { get; set; } = SimulatorMode.Lorem;

    /// <summary>Like vLLM's <c>--api-key</c>; <c>VLLM_API_KEY</c> is used when unset.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Server-wide seed mixed into every deterministic choice of words.</summary>
    public long Seed { get; set; }

    /// <summary>
    /// Whether the model calls a function when the prompt offers some and the user has just spoken (tool_choice
    /// "auto"), as Llama 3.1 mostly does; off, it answers in prose. A request can turn it off with <c>X-Sim-Tool-Calls: off</c>.
    /// </summary>
    public bool AutoToolCalls { get; set; } = true;

    /// <summary>Lets a request script the completion text with the <c>X-Sim-Completion</c> header. Tests only.</summary>
    public bool EnableTestScripting { get; set; }

    /// <summary>Lets a request inject failures with <c>X-Sim-*</c> headers. Tests only.</summary>
    public bool EnableFaultInjection { get; set; }

    /// <summary>Prompt tokens per second of prefill; derived from the profile's GPUs when unset.</summary>
    public double? PrefillTokensPerSecond { get; set; }

    /// <summary>Decode tokens per second of one sequence; the planner's estimate when unset.</summary>
    public double? DecodeTokensPerSecond { get; set; }

    /// <summary>Stands in for a Modal web endpoint: see <see cref="ModalEdgeOptions"/>. Off when the key is unset.</summary>
    public ModalEdgeOptions Modal { get; set; } = new();
}

/// <summary>
/// What Modal's edge does in front of a <c>requires_proxy_auth</c> web server, for tests of the Modal backend on a machine
/// without Modal: every request needs the <c>Modal-Key</c> and <c>Modal-Secret</c> headers (else 401 with Modal's
/// plain-text message), and during a cold start requests are held until the container's server is up — but no longer
/// than Modal's limit on a web request that has not started responding (150 s, scaled by the time scale): then the
/// edge answers <c>303 See Other</c> to the request's result URL, as Modal does.
/// </summary>
public sealed class ModalEdgeOptions
{
    /// <summary>The proxy-auth token id (<c>wk-…</c>); with <see cref="ProxySecret"/>, turns the emulation on.</summary>
    public string? ProxyKey { get; set; }

    /// <summary>The proxy-auth token secret (<c>ws-…</c>).</summary>
    public string? ProxySecret { get; set; }

    /// <summary>Real seconds after start during which requests are held, as Modal holds them while a container boots.</summary>
    public double ColdStartSeconds { get; set; }

    /// <summary>
    /// Modal's limit, in seconds, on a web request whose response has not started (150 s in Modal's request-timeout
    /// guide); multiplied by the time scale like every other simulated duration. At time scale 0 there is no limit and
    /// a cold start holds requests until it ends.
    /// </summary>
    public double ResponseStartLimitSeconds { get; set; } = 150;

    /// <summary>Whether the Simulator answers as a Modal endpoint.</summary>
    public bool Enabled => ProxyKey is { Length: > 0 };
}
