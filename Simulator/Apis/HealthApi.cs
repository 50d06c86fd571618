using Aspire70B.Serving.Vllm;
using Microsoft.AspNetCore.Http.HttpResults;
using Aspire70B.Simulator.Streaming;

namespace Aspire70B.Simulator.Apis;

/// <summary>
/// vLLM's liveness routes: <c>/health</c> and <c>/ping</c> answer 200 with an empty body; <c>/version</c>; and FastAPI's
/// <c>{"detail":"Not Found"}</c> for any other path.
/// </summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", Healthy);
        routes.MapMethods("/ping", [HttpMethods.Get, HttpMethods.Post], Healthy);
        routes.MapGet("/version", Version);
        routes.MapFallback(NotFound);
        return routes;
    }

    private static Ok Healthy() => TypedResults.Ok();

    private static RawJsonResult NotFound() => new(StatusCodes.Status404NotFound, """{"detail":"Not Found"}"""u8.ToArray());

    private static RawJsonResult Version() => RawJsonResult.Write(StatusCodes.Status200OK, json =>
    {
        json.WriteStartObject();
        json.WriteString("version", VllmLaunch.PinnedVersion);
        json.WriteEndObject();
    });
}
