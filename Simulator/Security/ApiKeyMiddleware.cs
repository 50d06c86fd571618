using System.Security.Cryptography;
using System.Text;
using Aspire70B.Simulator.Options;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Security;

/// <summary>
/// vLLM's <c>--api-key</c>: with a key set, paths under <c>/v1</c>, <c>/v2</c> and <c>/inference</c> need
/// <c>Authorization: Bearer &lt;key&gt;</c> (scheme case-insensitive, compared in constant time); anything else gets
/// 401 <c>{"error":"Unauthorized"}</c>. Other routes (/health, /metrics, /tokenize, …) and CORS preflights (OPTIONS) stay open.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<SimulatorOptions> options)
{
    private static readonly byte[] Unauthorized = """{"error":"Unauthorized"}"""u8.ToArray();
    private static readonly string[] ProtectedPrefixes = ["/v1", "/v2", "/inference"];
    private readonly byte[]? _expected = options.Value.ApiKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_expected is null || HttpMethods.IsOptions(context.Request.Method) || !IsProtected(context.Request.Path) || Authorized(context.Request.Headers.Authorization.ToString()))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = Unauthorized.Length;
        return context.Response.Body.WriteAsync(Unauthorized, context.RequestAborted).AsTask();
    }

    private static bool IsProtected(PathString path) =>
        ProtectedPrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.Ordinal));

    private bool Authorized(string header)
    {
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hashing first makes the comparison independent of the key's length as well as its content.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..]));
        return CryptographicOperations.FixedTimeEquals(given, _expected);
    }
}
