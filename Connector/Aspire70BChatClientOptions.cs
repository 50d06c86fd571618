namespace Aspire70B.Connector;

/// <summary>
/// Where the Aspire70B gateway is and how to call it. Bound by <see cref="Aspire70BServiceCollectionExtensions"/>
/// from Aspire's configuration conventions, or filled in by hand for <see cref="Aspire70BChatClientFactory"/>.
/// </summary>
public sealed class Aspire70BChatClientOptions
{
    /// <summary>
    /// The gateway's base address, for example <c>http://127.0.0.1:5080/</c>; requests go to
    /// <c>{Endpoint}/v1/chat/completions</c> (an address that already ends in <c>/v1</c> is used as it is).
    /// Required: an absolute <c>http</c> or <c>https</c> URI.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The API key sent as <c>Authorization: Bearer</c>; none when null (a gateway without keys serves loopback callers only).</summary>
    public string? ApiKey { get; set; }

    /// <summary>The model to ask for when <c>ChatOptions.ModelId</c> is not set; when both are null the gateway serves its own model.</summary>
    public string? ModelId { get; set; }

    /// <summary>
    /// How long to wait for the gateway's response headers. A streamed answer may take longer than this once it has
    /// started; cancel through the <see cref="CancellationToken"/> to end it. Defaults to 5 minutes.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
