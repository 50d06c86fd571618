namespace Aspire70B.ApiService.Errors;

/// <summary>Puts OpenAI's error object on every failure the pipeline can produce.</summary>
internal static class ErrorHandlingExtensions
{
    /// <summary>
    /// Unexpected exceptions and unreadable bodies (see <see cref="ErrorHandlingMiddleware"/>), and the bodiless
    /// answers ASP.NET Core gives by itself (an unknown route, a wrong method, a refused media type) get OpenAI's
    /// error object too.
    /// </summary>
    public static WebApplication UseOpenAIErrors(this WebApplication app)
    {
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var error = status switch
            {
                StatusCodes.Status404NotFound => new OpenAIError(404, $"Invalid URL ({http.Request.Method} {http.Request.Path}).", OpenAIError.InvalidRequest, null, "unknown_url"),
                StatusCodes.Status405MethodNotAllowed => new OpenAIError(405, $"Method {http.Request.Method} is not allowed on {http.Request.Path}.", OpenAIError.InvalidRequest, null, "method_not_allowed"),
                StatusCodes.Status413PayloadTooLarge => new OpenAIError(413, "The request body is too large.", OpenAIError.InvalidRequest, null, "request_too_large"),
                >= 500 => OpenAIError.Internal($"The server had an error while processing your request. Quote request id {http.TraceIdentifier} when reporting it."),
                _ => new OpenAIError(status, $"The request failed with status {status}.", OpenAIError.InvalidRequest),
            };
            await OpenAIErrorResult.WriteAsync(http.Response, error, null, http.RequestAborted);
        });
        return app;
    }
}
