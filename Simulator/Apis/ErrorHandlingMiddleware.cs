using Aspire70B.Simulator.Logging;
using Aspire70B.Simulator.Protocol;
using Aspire70B.Simulator.Streaming;

namespace Aspire70B.Simulator.Apis;

/// <summary>
/// The outermost guard: a body the server cannot read is a 400 (413 past Kestrel's size limit), any other exception
/// a 500 in vLLM's error object naming the request id that is also in the log, in every environment — never a stack
/// trace. A response already under way is aborted, so a cut stream never looks complete.
/// </summary>
internal sealed class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; there is nobody to answer.
        }
        catch (BadHttpRequestException e)
        {
            SimulatorLog.RequestRejected(logger, e.StatusCode, e.Message);
            await AnswerAsync(context, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? VllmError.ForStatus(413, "Request body too large.")
                : VllmError.BadRequest("The request body could not be read: it ended early or is malformed.")).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            SimulatorLog.UnexpectedFailure(logger, context.TraceIdentifier, e);
            await AnswerAsync(context, VllmError.ForStatus(500, $"Internal server error (request id {context.TraceIdentifier}).")).ConfigureAwait(false);
        }
    }

    private static async Task AnswerAsync(HttpContext context, VllmError error)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.Clear();
        try
        {
            await RawJsonResult.Error(error).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }
}
