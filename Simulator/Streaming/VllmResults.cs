using System.Text.Json;
using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Streaming;

/// <summary>A JSON body written exactly as given.</summary>
internal sealed class RawJsonResult(int status, byte[] body) : IResult
{
    public const string ContentType = "application/json";

    public int Status { get; } = status;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = Status;
        httpContext.Response.ContentType = ContentType;
        httpContext.Response.ContentLength = body.Length;
        return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }

    public static RawJsonResult Write(int status, Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonFormat.Compact))
        {
            write(json);
        }

        return new RawJsonResult(status, buffer.ToArray());
    }

    public static RawJsonResult Error(VllmError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new RawJsonResult(error.Code, error.ToJsonBytes());
    }
}
