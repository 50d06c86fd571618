using System.Runtime.CompilerServices;
using Aspire70B.Simulator.Generation;
using Aspire70B.Simulator.Logging;
using Aspire70B.Simulator.Metrics;

namespace Aspire70B.Simulator.Engine;

/// <summary>
/// Runs requests the way the vLLM engine would be seen from outside: waits for capacity (FIFO), spends the prefill
/// time, then yields one step per decode interval until every sequence has finished. A request whose enumeration is
/// abandoned (client gone, cancellation) is aborted: its capacity is freed at once and its unfinished sequences are
/// counted with finish reason <c>abort</c>. Steps aim at absolute times so that timer jitter never accumulates, but a
/// step that is late by more than a step (the process was descheduled) moves the rest of the schedule back instead of
/// releasing the missed tokens in one burst: a GPU that paused does not then decode faster. Thread-safe.
/// </summary>
internal sealed class SimulatedEngine(
    EngineCapacity capacity,
    PrefixCache prefixCache,
    LatencyModel latency,
    ModelVoice voice,
    VllmMetrics metrics,
    TimeProvider time,
    ILogger<SimulatedEngine> logger)
{
    private static readonly TimeSpan MinimumStall = TimeSpan.FromMilliseconds(20);

    public async IAsyncEnumerable<EngineStep> RunAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arrival = time.GetTimestamp();
        var sequences = voice.CreateSequences(request);
        var blocks = request.Prompts.Sum(p => capacity.BlocksFor(request.Sampling.N, p.Tokens.Count, request.Sampling.MaxTokens));
        CapacityLease? lease = null;
        var completed = false;
        try
        {
            lease = await capacity.AcquireAsync(sequences.Length, blocks, cancellationToken).ConfigureAwait(false);
            var started = time.GetTimestamp();
            var cached = 0;
            foreach (var prompt in request.Prompts)
            {
                var hit = prefixCache.LookupAndInsert(prompt.Tokens, request.CacheSalt);
                cached += hit;
                metrics.PromptProcessed(prompt.Tokens.Count, hit);
                metrics.RequestPromptTokens.Observe(prompt.Tokens.Count);
            }

            var firstTokenAt = latency.Injected(request.ExtraDelayMilliseconds) + latency.TimeToFirstToken(request.PromptTokens - cached);
            await DelayUntilAsync(started, firstTokenAt, cancellationToken).ConfigureAwait(false);
            metrics.TimeToFirstToken.Observe(time.GetElapsedTime(arrival).TotalSeconds);
            metrics.RequestParamsN.Observe(request.Sampling.N);

            var generated = 0;
            var previousToken = time.GetTimestamp();
            var firstToken = previousToken;
            var finishedAt = new long?[sequences.Length];
            var phases = new RequestPhases(arrival, started, firstToken, finishedAt);
            for (var step = 1; ; step++)
            {
                var deltas = new List<SequenceDelta>(sequences.Length);
                foreach (var sequence in sequences)
                {
                    if (!sequence.Finished)
                    {
                        deltas.Add(sequence.Step());
                    }
                }

                generated += deltas.Count;
                metrics.TokensGenerated(deltas.Count);
                metrics.IterationTokens.Observe(step == 1 ? request.PromptTokens - cached + deltas.Count : deltas.Count);
                var stepAt = time.GetTimestamp();
                for (var i = 0; i < sequences.Length; i++)
                {
                    finishedAt[i] ??= sequences[i].Finished ? stepAt : null;
                }

                var allFinished = sequences.All(s => s.Finished);
                if (allFinished)
                {
                    Finish(sequences, phases, request.MaxTokensParam);
                    completed = true;
                }

                yield return new EngineStep(deltas, generated);
                if (allFinished)
                {
                    yield break;
                }

                var due = firstTokenAt + step * latency.InterTokenLatency;
                await DelayUntilAsync(started, due, cancellationToken).ConfigureAwait(false);
                var now = time.GetTimestamp();
                var late = time.GetElapsedTime(started, now) - due;
                if (late > StallThreshold(latency.InterTokenLatency))
                {
                    started += (long)(late.TotalSeconds * time.TimestampFrequency);
                }

                // vLLM observes the gap once per sequence that gets a token (each of n is its own engine request).
                var gap = time.GetElapsedTime(previousToken, now).TotalSeconds;
                for (var i = sequences.Count(s => !s.Finished); i > 0; i--)
                {
                    metrics.TimePerOutputToken.Observe(gap);
                    metrics.InterTokenLatency.Observe(gap);
                }
                previousToken = now;
            }
        }
        finally
        {
            lease?.Dispose();
            if (!completed)
            {
                var unfinished = sequences.Count(s => !s.Finished);
                for (var i = 0; i < unfinished; i++)
                {
                    metrics.RequestFinished(FinishReasons.Abort);
                }

                SimulatorLog.RequestAborted(logger, unfinished);
            }
        }
    }

    private void Finish(Sequence[] sequences, RequestPhases phases, long? maxTokensParam)
    {
        var latencySeconds = time.GetElapsedTime(phases.Arrival).TotalSeconds;
        var queued = time.GetElapsedTime(phases.Arrival, phases.Scheduled).TotalSeconds;
        var prefill = time.GetElapsedTime(phases.Scheduled, phases.FirstToken).TotalSeconds;
        for (var i = 0; i < sequences.Length; i++)
        {
            var sequence = sequences[i];
            metrics.RequestFinished(sequence.FinishReason!);
            metrics.RequestGenerationTokens.Observe(sequence.TokenCount);
            var decode = time.GetElapsedTime(phases.FirstToken, phases.FinishedAt[i] ?? phases.FirstToken).TotalSeconds;
            metrics.SequenceFinished(queued, prefill, decode, sequence.TokenCount, maxTokensParam);
        }

        metrics.RequestMaxGenerationTokens.Observe(sequences.Max(s => s.TokenCount));
        metrics.RequestLatency.Observe(latencySeconds);
    }

    /// <summary>When a request arrived, was scheduled, had its first token, and when each of its sequences finished.</summary>
    private sealed record RequestPhases(long Arrival, long Scheduled, long FirstToken, long?[] FinishedAt);

    /// <summary>Lateness beyond which the schedule is re-anchored: a step, and never less than timer jitter.</summary>
    private static TimeSpan StallThreshold(TimeSpan step) => step > MinimumStall ? step : MinimumStall;

    private Task DelayUntilAsync(long origin, TimeSpan offset, CancellationToken cancellationToken)
    {
        if (latency.Instant && offset <= TimeSpan.Zero)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        }

        var wait = offset - time.GetElapsedTime(origin);
        return wait > TimeSpan.Zero ? Task.Delay(wait, time, cancellationToken) : Task.CompletedTask;
    }
}
