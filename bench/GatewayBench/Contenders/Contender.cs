using Aspire70B.GatewayBench.Load;
using Aspire70B.GatewayBench.Processes;

namespace Aspire70B.GatewayBench.Contenders;

/// <summary>
/// One way to reach the model server: its chat route, the process whose memory is charged to it, and whatever it
/// started (disposed with it). Direct owns nothing: the Simulator outlives it.
/// </summary>
internal sealed class Contender(string name, ChatTarget target, int measuredProcessId, params IAsyncDisposable[] owned) : IAsyncDisposable
{
    public string Name { get; } = name;

    public ChatTarget Target { get; } = target;

    public int MeasuredProcessId { get; } = measuredProcessId;

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in owned.Reverse())
        {
            await resource.DisposeAsync();
        }
    }

    public static ChatTarget ChatAt(Uri baseAddress, IReadOnlyDictionary<string, string>? headers = null) =>
        new(new Uri(baseAddress, "v1/chat/completions"), headers ?? new Dictionary<string, string>());
}

/// <summary>A contender that could not be started here, and why: the table says so and the run goes on.</summary>
internal sealed record Unavailable(string Name, string Reason);
