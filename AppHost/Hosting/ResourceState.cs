namespace Aspire70B.AppHost.Hosting;

/// <summary>Where a resource is in its life.</summary>
internal enum ResourceState
{
    Waiting,
    Starting,
    Running,
    Failed,
    Stopped,
}

/// <summary>A resource as the summary and the state file show it.</summary>
internal sealed record ResourceSnapshot(string Name, ResourceState State, Uri? Endpoint, int? ProcessId, string Source);
