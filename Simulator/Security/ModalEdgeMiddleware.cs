using System.Security.Cryptography;
using System.Text;
using Aspire70B.Simulator.Options;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Security;

/// <summary>
/// Modal's edge in front of a <c>requires_proxy_auth=True</c> web server, emulated: a request without both
/// <c>Modal-Key</c> and <c>Modal-Secret</c> gets 401 <c>modal-http: missing credentials for proxy authorization</c>, a
/// wrong pair 401 <c>modal-http: invalid credentials for proxy authorization</c> (checked before any container is woken,
/// as Modal does); an authorized request made during the cold start is held until it ends, or until the client leaves.
/// </summary>
internal sealed class ModalEdgeMiddleware
{
    private const string Missing = "modal-http: missing credentials for proxy authorization";
    private const string Invalid = "modal-http: invalid credentials for proxy authorization";

    private readonly RequestDelegate _next;
    private readonly TimeProvider _time;
    private readonly byte[] _expected;
    private readonly long _startedAt;
    private readonly TimeSpan _coldStart;

    public ModalEdgeMiddleware(RequestDelegate next, IOptions<SimulatorOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _time = time;
        var modal = options.Value.Modal;
        _expected = Hash(modal.ProxyKey!, modal.ProxySecret!);
        _coldStart = TimeSpan.FromSeconds(modal.ColdStartSeconds);
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
            await Task.Delay(booting, _time, context.RequestAborted);
        }

        await _next(context);
    }

    private static byte[] Hash(string key, string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(key + "\n" + secret));
}
