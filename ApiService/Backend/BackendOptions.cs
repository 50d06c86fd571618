using System.ComponentModel.DataAnnotations;

namespace Aspire70B.ApiService.Backend;

/// <summary>How the gateway talks to the model server. Bound from <c>Backend</c>; the endpoint comes from <c>ConnectionStrings:model</c>.</summary>
internal sealed class BackendOptions
{
    public const string Section = "Backend";

    /// <summary>
    /// Whether a request the client does not stream is streamed from the model server all the same
    /// (<see cref="UpstreamStreaming.Always"/>, the default) or asked for in one piece (<see cref="UpstreamStreaming.WhenClientStreams"/>).
    /// </summary>
    public UpstreamStreaming UpstreamStreaming { get; set; } = UpstreamStreaming.Always;

    /// <summary>Longest wait for the first event of a streamed completion (prefill of a long prompt on a busy server included).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan FirstTokenTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest gap between two events once output flows.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a whole completion may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Retries of a failed connection or 5xx, before the client has seen a byte.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay; later ones back off exponentially with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Consecutive failures that open the circuit breaker.</summary>
    [Range(2, 1000)]
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>How long an open breaker fails fast before letting a trial request through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan BreakerOpenDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Request headers passed on to the model server, e.g. tracing headers, or the Simulator's test hooks
    /// (<c>X-Sim-Completion</c>) in tests. Empty by default: nothing from the client reaches the backend unasked.
    /// </summary>
    public List<string> ForwardHeaders { get; set; } = [];

    /// <summary>
    /// How long to wait before sending a request again while the model server cold-starts (Modal answered 303 or held
    /// the request past <see cref="FirstTokenTimeout"/>). The request is retried until <see cref="TotalTimeout"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ColdStartRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Retry-After</c> sent with the 503 of a request that gave up waiting for a cold start.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ColdStartRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Retry-After</c> sent with a 503.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>How the gateway asks the model server for a completion its client does not stream.</summary>
internal enum UpstreamStreaming
{
    /// <summary>
    /// Every call streams, so <see cref="BackendOptions.FirstTokenTimeout"/>, <see cref="BackendOptions.IdleTimeout"/> and the
    /// time-to-first-token metric hold for every request: a stalled server is found within the first-token timeout.
    /// </summary>
    Always,

    /// <summary>
    /// A request that is not streamed to its client, and that no other request can join (single-flight shares only
    /// cacheable requests), is sent with <c>stream: false</c> and its answer read in one piece: less CPU per request in
    /// the gateway and in the model server's API process (1.07–1.20× the saturation throughput in the bench runs,
    /// bench/README.md). The wait for it is bounded by <see cref="BackendOptions.TotalTimeout"/> alone and it records no time to first token. Modal replicas are
    /// always streamed: Modal answers a request it has held for 150 s with a redirect, which a long generation would hit.
    /// </summary>
    WhenClientStreams,
}
