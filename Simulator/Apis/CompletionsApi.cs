using Aspire70B.Simulator.Protocol;
using Aspire70B.Simulator.Streaming;

namespace Aspire70B.Simulator.Apis;

/// <summary><c>POST /v1/completions</c> and <c>POST /v1/chat/completions</c>, streamed or not.</summary>
internal static class CompletionsApi
{
    public static IEndpointRouteBuilder MapCompletionsApi(this IEndpointRouteBuilder routes)
    {
        var v1 = routes.MapGroup("/v1")
            .AddEndpointFilter<VllmErrorFilter>()
            .AddEndpointFilter<FaultInjectionFilter>();
        v1.MapPost("/completions", CreateCompletionAsync);
        v1.MapPost("/chat/completions", CreateChatCompletionAsync);
        return routes;
    }

    private static async Task<GenerationResult> CreateCompletionAsync(HttpRequest request, GenerationJobFactory jobs, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        return new GenerationResult(jobs.ForCompletion(body, request.Headers));
    }

    private static async Task<GenerationResult> CreateChatCompletionAsync(HttpRequest request, GenerationJobFactory jobs, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        return new GenerationResult(jobs.ForChat(body, request.Headers));
    }
}
