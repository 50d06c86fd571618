namespace Aspire70B.ApiService.Errors;

/// <summary>
/// The outermost guard of every route: a body the server cannot read becomes 400 (413 past the size limit), and any
/// other exception becomes OpenAI's 500 error object naming the request id that is also in the log, whatever the
/// environment; a stack trace never reaches the client. Every response carries <c>x-request-id</c>, as OpenAI's do.
/// </summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public const string RequestIdHeader = "x-request-id";

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requestId = context.TraceIdentifier;
        context.Response.Headers[RequestIdHeader] = requestId;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left: nobody is there to answer, and it is not a server failure.
            LogClientLeft(logger, requestId);
        }
        catch (BadHttpRequestException e)
        {
            var error = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? OpenAIError.TooLarge(context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0)
                : OpenAIError.BadRequest("The request body could not be read: it ended early or is malformed.");
            LogUnreadable(logger, requestId, e.StatusCode, e.Message);
            await AnswerAsync(context, error);
        }
        catch (Exception e)
        {
            LogUnexpected(logger, requestId, e);
            await AnswerAsync(context, OpenAIError.Internal($"The server had an error while processing your request. Quote request id {requestId} when reporting it."));
        }
    }

    private static async Task AnswerAsync(HttpContext context, OpenAIError error)
    {
        if (context.Response.HasStarted)
        {
            // Part of an answer went out already: a truncated body must not look complete.
            context.Abort();
            return;
        }

        context.Response.Clear();
        context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
        try
        {
            await OpenAIErrorResult.WriteAsync(context.Response, error, null, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Request {RequestId} failed with an unexpected exception; the client got a 500 error object")]
    private static partial void LogUnexpected(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Request {RequestId} had a body the server could not read ({Status}): {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string requestId, int status, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Request {RequestId} ended because the client left")]
    private static partial void LogClientLeft(ILogger logger, string requestId);
}
