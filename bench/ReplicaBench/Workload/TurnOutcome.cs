namespace Aspire70B.ReplicaBench.Workload;

/// <summary>How one streamed chat ended, from the client's side.</summary>
internal enum TurnResult
{
    /// <summary>200, content, then <c>[DONE]</c> without an error event.</summary>
    Succeeded,

    /// <summary>No content arrived: an error status, a refused connection, or an error event before any token.</summary>
    FailedBeforeFirstToken,

    /// <summary>Content arrived, then the stream broke (an error event, or an end without <c>[DONE]</c>).</summary>
    CutMidStream,

    /// <summary>The bench stopped it (end of a phase): neither a success nor an error.</summary>
    Cancelled,
}

/// <summary>
/// One streamed chat: its result, the replica that answered (<c>x-aspire70b-replica</c>), timestamps
/// (<see cref="System.Diagnostics.Stopwatch"/> ticks; <see cref="FirstToken"/> 0 when none came), the answer's text
/// and completion tokens, and for a failure what kind it was.
/// </summary>
internal sealed record TurnOutcome(
    TurnResult Result,
    string? Replica,
    long Issued,
    long FirstToken,
    long Ended,
    string Answer,
    int CompletionTokens,
    string? Failure);
