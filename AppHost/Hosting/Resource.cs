namespace Aspire70B.AppHost.Hosting;

/// <summary>
/// One part of the system: a process the AppHost starts (or a server it only connects to), with what others receive
/// when they reference it (a connection string, a service endpoint), what it waits for, and how it is known to be ready.
/// </summary>
internal sealed class Resource(string name)
{
    public string Name { get; } = name;

    /// <summary>What to run; null for a resource that already runs elsewhere (a configured Redis, an external model).</summary>
    public ProcessLaunch? Launch { get; set; }

    /// <summary>The address others and the summary show: <c>http://127.0.0.1:5100</c>, <c>redis://127.0.0.1:6379</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Given to referencing resources as <c>ConnectionStrings__{Name}</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Where it comes from and why, for the summary (e.g. "redis-server on PATH").</summary>
    public string Source { get; set; } = "";

    public IReadinessCheck Readiness { get; set; } = new StaysRunningCheck(TimeSpan.FromSeconds(1));

    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Every this often while starting, a "still starting" line (for the minutes a real vLLM takes).</summary>
    public TimeSpan? ProgressInterval { get; set; }

    /// <summary>What the "still starting" lines say about where start-up is, from the process's output or the check.</summary>
    public IStartupProgress? Progress { get; set; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public List<Resource> References { get; } = [];

    /// <summary>References given under another connection name: <c>ConnectionStrings__{key}</c> = the resource's connection string.</summary>
    public Dictionary<string, Resource> NamedReferences { get; } = new(StringComparer.Ordinal);

    public List<Resource> WaitsFor { get; } = [];
}

/// <summary>Follows a slow start-up (vLLM loading 37–140 GiB of weights, a Modal cold start) to report where it is.</summary>
internal interface IStartupProgress
{
    /// <summary>One line of the process's output (stdout or stderr), as it is written. Called from the output pumps.</summary>
    void Observe(string line);

    /// <summary>Where start-up is, for a "still starting" line; null when nothing is known yet.</summary>
    string? Describe();

    /// <summary>A line for when the resource is ready (e.g. the figures vLLM logged against the plan's); null for none.</summary>
    string? ReadySummary();
}

/// <summary>A process to start: the executable, its arguments and working directory (environment comes from the resource).</summary>
internal sealed record ProcessLaunch(string FileName, IReadOnlyList<string> Arguments, string? WorkingDirectory = null);
