using System.Text;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Faults;
using Aspire70B.Simulator.Generation;
using Aspire70B.Simulator.Logging;
using Aspire70B.Simulator.Protocol;
using Microsoft.AspNetCore.Http.Features;

namespace Aspire70B.Simulator.Streaming;

/// <summary>
/// Runs a <see cref="GenerationJob"/> on the engine and answers it: streamed as SSE, chunk by chunk as the engine
/// steps, or as one JSON response at the end. A client that goes away cancels the engine run (which counts the
/// abort); injected faults fail or drop the request after the tokens they name.
/// </summary>
internal sealed class GenerationResult(GenerationJob job) : IResult
{
    public GenerationJob Job { get; } = job;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return Job.Parameters.Stream ? StreamAsync(httpContext) : RespondAsync(httpContext);
    }

    private async Task StreamAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var engine = services.GetRequiredService<SimulatedEngine>();
        var logger = services.GetRequiredService<ILogger<GenerationResult>>();
        var cancellation = http.RequestAborted;
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = SseWriter.ContentType;
        using var sse = new SseWriter(http.Response.BodyWriter);
        var shape = Job.Shape;
        var context = Job.Context;
        var continuous = Job.Parameters.ContinuousUsage;
        var tokensPerChoice = new int[Job.Choices];
        var sent = 0;
        var first = true;
        try
        {
            await using var steps = engine.RunAsync(Job.Request, cancellation).GetAsyncEnumerator(cancellation);
            while (await NextStepAsync(steps, sse, started: !first, cancellation).ConfigureAwait(false))
            {
                var step = steps.Current;
                if (first && shape.HasOpeningChunk)
                {
                    for (var i = 0; i < Job.Choices; i++)
                    {
                        UsageNumbers? usage = continuous ? new UsageNumbers(Job.PromptTokensOf(i), 0) : null;
                        sse.WriteEvent((i, usage), (json, s) => shape.WriteOpeningChunk(json, context, s.i, s.usage));
                    }
                }

                first = false;
                foreach (var delta in step.Deltas)
                {
                    tokensPerChoice[delta.Index]++;
                    UsageNumbers? usage = continuous ? new UsageNumbers(Job.PromptTokensOf(delta.Index), tokensPerChoice[delta.Index]) : null;
                    sse.WriteEvent((delta, usage), (json, s) => shape.WriteDeltaChunk(json, context, s.delta, s.usage));
                    sent++;
                    if (sent == Job.Faults.DropAfterTokens)
                    {
                        SimulatorLog.FaultInjected(logger, $"connection dropped after {sent} tokens");
                        await sse.FlushAsync(cancellation).ConfigureAwait(false);
                        http.Abort();
                        return;
                    }

                    if (sent == Job.Faults.FailAfterTokens)
                    {
                        SimulatorLog.FaultInjected(logger, $"stream failed after {sent} tokens");
                        var error = VllmError.ForStatus(Job.Faults.FailStatus ?? FaultPlan.DefaultFailStatus, "Simulated engine failure.");
                        await sse.WriteEventAsync(error, (json, e) => e.WriteTo(json), cancellation).ConfigureAwait(false);
                        await sse.WriteDoneAsync(cancellation).ConfigureAwait(false);
                        return;
                    }
                }
            }

            if (Job.Parameters.IncludeUsage)
            {
                var usage = new UsageNumbers(Job.Request.PromptTokens, tokensPerChoice.Sum());
                await sse.WriteEventAsync(usage, (json, u) => shape.WriteUsageChunk(json, context, u), cancellation).ConfigureAwait(false);
            }

            await sse.WriteDoneAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away; the engine run has already counted the abort and freed its capacity.
        }
        catch (Exception e) when (e is not OperationCanceledException && http.Response.HasStarted)
        {
            // As vLLM does: a failure after the stream started is one error event, then [DONE] — never a clean end.
            SimulatorLog.StreamFailed(logger, e);
            var error = VllmError.ForStatus(StatusCodes.Status500InternalServerError, e.Message);
            await sse.WriteEventAsync(error, (json, x) => x.WriteTo(json), cancellation).ConfigureAwait(false);
            await sse.WriteDoneAsync(cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The engine's next step. When it is not ready yet, the events written so far are sent first, so the client has
    /// every token the engine has produced while it waits, and a step's events leave together. Nothing is sent before
    /// the first step (the response's headers go with the first event, as before).
    /// </summary>
    private static async ValueTask<bool> NextStepAsync(IAsyncEnumerator<EngineStep> steps, SseWriter sse, bool started, CancellationToken cancellationToken)
    {
        var next = steps.MoveNextAsync();
        if (started && !next.IsCompleted)
        {
            try
            {
                await sse.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // The client is gone and the engine run sees the same token: let the step end before the run is disposed.
                try
                {
                    await next.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                throw;
            }
        }

        return await next.ConfigureAwait(false);
    }

    private async Task RespondAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var engine = services.GetRequiredService<SimulatedEngine>();
        var logger = services.GetRequiredService<ILogger<GenerationResult>>();
        var cancellation = http.RequestAborted;
        var texts = new StringBuilder[Job.Choices];
        var ends = new (string Reason, StopReason Stop)[Job.Choices];
        var generated = 0;
        try
        {
            await foreach (var step in engine.RunAsync(Job.Request, cancellation).ConfigureAwait(false))
            {
                foreach (var delta in step.Deltas)
                {
                    (texts[delta.Index] ??= new StringBuilder()).Append(delta.Text);
                    if (delta.Finished)
                    {
                        ends[delta.Index] = (delta.FinishReason!, delta.StopReason);
                    }

                    generated++;
                    if (generated == Job.Faults.DropAfterTokens)
                    {
                        SimulatorLog.FaultInjected(logger, $"connection dropped after {generated} tokens");
                        http.Abort();
                        return;
                    }

                    if (generated == Job.Faults.FailAfterTokens)
                    {
                        SimulatorLog.FaultInjected(logger, $"request failed after {generated} tokens");
                        await RawJsonResult.Error(VllmError.ForStatus(Job.Faults.FailStatus ?? FaultPlan.DefaultFailStatus, "Simulated engine failure.")).ExecuteAsync(http).ConfigureAwait(false);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return;
        }

        var choices = Enumerable.Range(0, Job.Choices)
            .Select(i => new ChoiceResult(i, texts[i]?.ToString() ?? string.Empty, ends[i].Reason, ends[i].Stop))
            .ToList();
        var usage = new UsageNumbers(Job.Request.PromptTokens, generated);
        await RawJsonResult.Write(StatusCodes.Status200OK, json => Job.Shape.WriteResponse(json, Job.Context, choices, usage)).ExecuteAsync(http).ConfigureAwait(false);
    }
}
