using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Engine;

/// <summary>One decode step of a request: a delta for every sequence that was still running.</summary>
/// <param name="Deltas">One per running sequence, in choice order.</param>
/// <param name="CompletionTokens">Tokens generated so far by all sequences.</param>
internal sealed record EngineStep(IReadOnlyList<SequenceDelta> Deltas, int CompletionTokens);
