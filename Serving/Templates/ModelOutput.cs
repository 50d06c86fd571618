namespace Aspire70B.Serving.Templates;

/// <summary>A function call the model made, in OpenAI's shape.</summary>
/// <param name="Id">A unique id, <c>call_</c> followed by 24 random letters and digits.</param>
/// <param name="Name">The name of one of the offered functions.</param>
/// <param name="Arguments">The arguments as compact JSON text (<c>{"city":"Paris"}</c>), numbers as Python prints them.</param>
public sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>
/// What a model's output is in OpenAI's terms: text content, or tool calls (then <see cref="Content"/> is null and the
/// choice's <c>finish_reason</c> is <c>tool_calls</c>).
/// </summary>
/// <param name="Content">The text for the client; null when the output was tool calls.</param>
/// <param name="ToolCalls">The calls, in the order the model wrote them; empty for text.</param>
public sealed record ModelOutput(string? Content, IReadOnlyList<ToolCall> ToolCalls)
{
    /// <summary>Whether the output was tool calls.</summary>
    public bool HasToolCalls => ToolCalls.Count > 0;

    /// <summary><c>tool_calls</c> when the output was tool calls; otherwise null (the backend's own reason stands).</summary>
    public string? FinishReason => HasToolCalls ? "tool_calls" : null;
}
