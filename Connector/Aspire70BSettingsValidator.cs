using Microsoft.Extensions.Options;

namespace Aspire70B.Connector;

/// <summary>Checks <see cref="Aspire70BChatClientSettings"/>: an absolute http(s) endpoint and a positive timeout.</summary>
internal static class Aspire70BSettingsValidator
{
    public static void ThrowIfInvalid(Aspire70BChatClientSettings settings)
    {
        if (Problem(settings) is { } problem)
        {
            throw new OptionsValidationException(nameof(Aspire70BChatClientSettings), typeof(Aspire70BChatClientSettings), [problem]);
        }
    }

    private static string? Problem(Aspire70BChatClientSettings settings)
    {
        if (settings.Endpoint is null)
        {
            return "The Aspire70B gateway's endpoint is not configured: set services:apiservice:https:0 or services:apiservice:http:0, "
                + "a connection string 'Endpoint=…;Key=…;Model=…', or Aspire70BChatClientSettings.Endpoint.";
        }

        if (!settings.Endpoint.IsAbsoluteUri || (settings.Endpoint.Scheme != Uri.UriSchemeHttp && settings.Endpoint.Scheme != Uri.UriSchemeHttps))
        {
            return $"The Aspire70B gateway's endpoint must be an absolute http or https URI, got '{settings.Endpoint}'.";
        }

        if (settings.NetworkTimeout <= TimeSpan.Zero && settings.NetworkTimeout != Timeout.InfiniteTimeSpan)
        {
            return $"NetworkTimeout must be positive or Timeout.InfiniteTimeSpan, got {settings.NetworkTimeout}.";
        }

        return null;
    }
}
