using System.ClientModel.Primitives;

namespace Aspire70B.Connector.Gateway;

/// <summary>
/// The step of the OpenAI SDK's pipeline nearest the wire: a refusal becomes an <see cref="Aspire70BException"/> with the
/// gateway's status, code, param and <c>Retry-After</c> (the SDK's own exception keeps only the status), and a streamed
/// answer is read through <see cref="SseGuardStream"/>. Without a key it drops the SDK's placeholder
/// <c>Authorization</c> header. Thread-safe: it keeps no per-request state.
/// </summary>
internal sealed class GatewayResponsePolicy(bool sendAuthorization, TimeProvider time) : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        Prepare(message);
        ProcessNext(message, pipeline, currentIndex);
        if (message.Response is { IsError: true } or { Status: >= 400 })
        {
            message.Response.BufferContent(message.CancellationToken);
            throw GatewayErrors.FromResponse(message.Response, time);
        }

        Guard(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        Prepare(message);
        await ProcessNextAsync(message, pipeline, currentIndex);
        if (message.Response is { IsError: true } or { Status: >= 400 })
        {
            await message.Response.BufferContentAsync(message.CancellationToken);
            throw GatewayErrors.FromResponse(message.Response, time);
        }

        Guard(message);
    }

    private void Prepare(PipelineMessage message)
    {
        if (!sendAuthorization)
        {
            message.Request.Headers.Remove("Authorization");
        }
    }

    private static void Guard(PipelineMessage message)
    {
        if (message.Response is { ContentStream: { } body } response
            && response.Headers.TryGetValue("Content-Type", out var type)
            && type?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
        {
            response.ContentStream = new SseGuardStream(body, message.CancellationToken);
        }
    }
}
