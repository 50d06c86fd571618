using Aspire70B.Simulator.Options;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Engine;

/// <summary>
/// How long the simulated GPU takes. A prefill step reads every weight once and computes every uncached prompt
/// token, so time to first token = one decode step + uncached prompt tokens ÷ prefill rate; every later token takes
/// one decode step (1 ÷ the planner's batch-1 decode estimate). Batching does not slow a sequence down here.
/// Every delay is multiplied by the time scale. Immutable and thread-safe.
/// </summary>
internal sealed class LatencyModel(SimulatedDeployment deployment, IOptions<SimulatorOptions> options)
{
    private readonly double _scale = options.Value.TimeScale;

    /// <summary>True when the time scale is 0: nothing waits.</summary>
    public bool Instant => _scale == 0;

    public TimeSpan InterTokenLatency => Scaled(1.0 / deployment.DecodeTokensPerSecond);

    public TimeSpan TimeToFirstToken(int uncachedPromptTokens) =>
        Scaled(1.0 / deployment.DecodeTokensPerSecond + Math.Max(0, uncachedPromptTokens) / deployment.PrefillTokensPerSecond);

    /// <summary>An injected delay in real milliseconds, also scaled so that time scale 0 removes it.</summary>
    public TimeSpan Injected(int milliseconds) => Scaled(milliseconds / 1000.0);

    private TimeSpan Scaled(double seconds) => TimeSpan.FromSeconds(seconds * _scale);
}
