using System.Globalization;

namespace Aspire70B.ApiService.Errors;

/// <summary>Writes an <see cref="OpenAIError"/> as the response, with <c>Retry-After</c> when given.</summary>
internal sealed class OpenAIErrorResult(OpenAIError error, TimeSpan? retryAfter = null) : IResult
{
    public OpenAIError Error => error;

    public static OpenAIErrorResult From(OpenAIErrorException exception) => new(exception.Error, exception.RetryAfter);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        await WriteAsync(httpContext.Response, error, retryAfter, httpContext.RequestAborted);
    }

    public static async Task WriteAsync(HttpResponse response, OpenAIError error, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(error);
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await response.Body.WriteAsync(error.ToJsonBytes(), cancellationToken);
    }
}
