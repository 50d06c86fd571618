using System.Security.Cryptography;
using System.Text;
using Aspire70B.Simulator.Logging;
using Aspire70B.Simulator.Options;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Security;

/// <summary>
/// Modal's edge in front of a <c>requires_proxy_auth=True</c> web server, emulated: a request without both
/// <c>Modal-Key</c> and <c>Modal-Secret</c> gets 401 <c>modal-http: missing credentials for proxy authorization</c>, a
/// wrong pair 401 <c>modal-http: invalid credentials for proxy authorization</c> (checked before any container is woken,
/// as Modal does). An authorized request made during the cold start is held until it ends, or until the client leaves —
/// but, as Modal does with a web request that has not started responding within 150 s (its request-timeout guide), no
/// longer than the response-start limit (scaled by the time scale): then it gets <c>303 See Other</c> pointing at the
/// same URL with a <c>__modal_function_call_id</c> query parameter (the result URL). A client that follows it turns a
/// POST into a GET, which vLLM's POST routes answer with 405. The result URL itself is treated as a new request.
/// </summary>
internal sealed class ModalEdgeMiddleware
{
    private const string Missing = "modal-http: missing credentials for proxy authorization";
    private const string Invalid = "modal-http: invalid credentials for proxy authorization";
    private const string CallIdParameter = "__modal_function_call_id";

    private readonly RequestDelegate _next;
    private readonly TimeProvider _time;
    private readonly ILogger<ModalEdgeMiddleware> _logger;
    private readonly byte[] _expected;
    private readonly long _startedAt;
    private readonly TimeSpan _coldStart;
    private readonly TimeSpan? _responseStartLimit;

    public ModalEdgeMiddleware(RequestDelegate next, IOptions<SimulatorOptions> options, TimeProvider time, ILogger<ModalEdgeMiddleware> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _time = time;
        _logger = logger;
        var modal = options.Value.Modal;
        _expected = Hash(modal.ProxyKey!, modal.ProxySecret!);
        _coldStart = TimeSpan.FromSeconds(modal.ColdStartSeconds);
        _responseStartLimit = options.Value.TimeScale > 0 ? TimeSpan.FromSeconds(modal.ResponseStartLimitSeconds * options.Value.TimeScale) : null;
        _startedAt = time.GetTimestamp();
    }

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = context.Request.Headers["Modal-Key"].ToString();
        var secret = context.Request.Headers["Modal-Secret"].ToString();
        if (key.Length == 0 || secret.Length == 0 || !CryptographicOperations.FixedTimeEquals(Hash(key, secret), _expected))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(key.Length == 0 || secret.Length == 0 ? Missing : Invalid, context.RequestAborted);
            return;
        }

        var booting = _coldStart - _time.GetElapsedTime(_startedAt);
        if (booting > TimeSpan.Zero)
        {
            if (_responseStartLimit is { } limit && booting > limit)
            {
                await Task.Delay(limit, _time, context.RequestAborted);
                SimulatorLog.ColdStartRedirect(_logger, context.Request.Method, context.Request.Path, limit.TotalSeconds);
                context.Response.StatusCode = StatusCodes.Status303SeeOther;
                context.Response.Headers.Location = ResultUrl(context.Request);
                return;
            }

            await Task.Delay(booting, _time, context.RequestAborted);
        }

        await _next(context);
    }

    /// <summary>The request's own URL with the call id Modal adds (kept when the request already is a result URL).</summary>
    private static string ResultUrl(HttpRequest request)
    {
        var query = request.Query.ContainsKey(CallIdParameter)
            ? request.QueryString
            : request.QueryString.Add(CallIdParameter, "fc-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(13)));
        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, query);
    }

    private static byte[] Hash(string key, string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(key + "\n" + secret));
}
