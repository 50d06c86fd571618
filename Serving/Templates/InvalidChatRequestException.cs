namespace Aspire70B.Serving.Templates;

/// <summary>
/// An OpenAI chat request that cannot become template input: not JSON, a field of the wrong type, a content part the
/// model cannot read, or text the <see cref="SpecialTokenPolicy"/> refuses. The gateway answers it with HTTP 400.
/// </summary>
public class InvalidChatRequestException : Exception
{
    /// <summary>Creates the error with a generic message.</summary>
    public InvalidChatRequestException()
        : this("The chat request is invalid.")
    {
    }

    /// <summary>Creates the error with a message that names the offending field.</summary>
    public InvalidChatRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and the failure that caused it (for example a JSON parse error).</summary>
    public InvalidChatRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Request text spells one of the model's special tokens (for example <c>&lt;|start_header_id|&gt;</c>), which vLLM would
/// tokenize as the real control token and so let a client forge a turn. Raised under <see cref="SpecialTokenPolicy.Reject"/>.
/// </summary>
public sealed class SpecialTokenException : InvalidChatRequestException
{
    /// <summary>Creates the error with a generic message.</summary>
    public SpecialTokenException()
        : this("The chat request contains a special token.")
    {
    }

    /// <summary>Creates the error with a message only.</summary>
    public SpecialTokenException(string message)
        : base(message)
    {
        Token = string.Empty;
        Location = string.Empty;
    }

    /// <summary>Creates the error with a message and the failure that caused it.</summary>
    public SpecialTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
        Token = string.Empty;
        Location = string.Empty;
    }

    /// <summary>Creates the error for <paramref name="token"/> found at <paramref name="location"/>.</summary>
    /// <param name="token">The special token, as spelled in the request.</param>
    /// <param name="messageIndex">The index in <c>messages</c> of the message that holds it; null when it is in
    /// <c>tools</c> or <c>chat_template_kwargs</c>.</param>
    /// <param name="location">Where it is, as a JSON path such as <c>messages[2].content</c>.</param>
    public SpecialTokenException(string token, int? messageIndex, string location)
        : base(messageIndex is { } index
            ? $"Message {index} contains the special token '{token}' (at {location}); special tokens are not allowed in request text."
            : $"The request contains the special token '{token}' (at {location}); special tokens are not allowed in request text.")
    {
        Token = token;
        MessageIndex = messageIndex;
        Location = location;
    }

    /// <summary>The special token found, as spelled in the request.</summary>
    public string Token { get; }

    /// <summary>The index in <c>messages</c> of the message that holds the token; null outside <c>messages</c>.</summary>
    public int? MessageIndex { get; }

    /// <summary>Where the token is, as a JSON path (<c>messages[2].content</c>, <c>tools[0].function.description</c>).</summary>
    public string Location { get; }
}
