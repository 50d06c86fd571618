using Microsoft.Extensions.Options;

namespace Aspire70B.Connector;

/// <summary>Checks <see cref="Aspire70BChatClientOptions"/>: an absolute http(s) endpoint and a positive timeout.</summary>
internal sealed class Aspire70BChatClientOptionsValidator : IValidateOptions<Aspire70BChatClientOptions>
{
    public ValidateOptionsResult Validate(string? name, Aspire70BChatClientOptions options) =>
        Problem(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;

    public static void ThrowIfInvalid(Aspire70BChatClientOptions options)
    {
        if (Problem(options) is { } problem)
        {
            throw new OptionsValidationException(nameof(Aspire70BChatClientOptions), typeof(Aspire70BChatClientOptions), [problem]);
        }
    }

    private static string? Problem(Aspire70BChatClientOptions options)
    {
        if (options.Endpoint is null)
        {
            return "The Aspire70B gateway's endpoint is not configured: set services:apiservice:https:0 or services:apiservice:http:0, "
                + "a connection string 'Endpoint=…;Key=…;Model=…', or Aspire70BChatClientOptions.Endpoint.";
        }

        if (!options.Endpoint.IsAbsoluteUri || (options.Endpoint.Scheme != Uri.UriSchemeHttp && options.Endpoint.Scheme != Uri.UriSchemeHttps))
        {
            return $"The Aspire70B gateway's endpoint must be an absolute http or https URI, got '{options.Endpoint}'.";
        }

        if (options.RequestTimeout <= TimeSpan.Zero && options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            return $"RequestTimeout must be positive or Timeout.InfiniteTimeSpan, got {options.RequestTimeout}.";
        }

        return null;
    }
}
