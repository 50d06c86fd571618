namespace Aspire70B.Connector;

/// <summary>
/// Where the Aspire70B gateway is and how to call it, bound from the <c>Aspire:Aspire70B:Chat</c> configuration section
/// (<c>Aspire:Aspire70B:Chat:{name}</c> for a keyed client), then from the connection string or service discovery,
/// then changed by the <c>configureSettings</c> delegate.
/// </summary>
public sealed class Aspire70BChatClientSettings
{
    /// <summary>
    /// The gateway's base address, for example <c>http://127.0.0.1:5080/</c>; requests go to
    /// <c>{Endpoint}/v1/chat/completions</c> (an address that already ends in <c>/v1</c> is used as it is).
    /// Required: an absolute <c>http</c> or <c>https</c> URI.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The API key sent as <c>Authorization: Bearer</c>; none when null (a gateway without keys serves loopback callers only).</summary>
    public string? Key { get; set; }

    /// <summary>The model to ask for when <c>ChatOptions.ModelId</c> is not set; when both are null the request names no model and the gateway serves its own.</summary>
    public string? Model { get; set; }

    /// <summary>Whether to leave out the OpenTelemetry chat spans and metrics (<c>Aspire70B.Connector</c>); they are on by default.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>
    /// How long one request may take: a plain answer until its last byte, a streamed one between two reads. Defaults to
    /// 10 minutes, well above the OpenAI SDK's 100 seconds, so a long answer from a 70B model is not cut;
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
