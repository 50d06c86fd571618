using Aspire70B.ApiService.Errors;

namespace Aspire70B.ApiService.Chat;

/// <summary>Where a chat response goes: SSE chunks as they come, or one JSON object at the end.</summary>
internal interface IChatResponseSink
{
    /// <summary>Whether anything has reached the client (after which the status can no longer change).</summary>
    bool Started { get; }

    /// <summary>Called once the model server has produced its first event.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    Task WriteAsync(ChatEvent chatEvent, CancellationToken cancellationToken);

    /// <summary>Sends what has been written so far; called before the gateway waits for more from the model server.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Reports a failure: an error response before the start, an error event after it.</summary>
    Task FailAsync(OpenAIError error, TimeSpan? retryAfter, CancellationToken cancellationToken);
}
