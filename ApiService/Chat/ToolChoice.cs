namespace Aspire70B.ApiService.Chat;

/// <summary>What <c>tool_choice</c> asks of the model.</summary>
internal enum ToolChoiceMode
{
    /// <summary>The model decides; Llama 3.1 JSON in its output is read as calls.</summary>
    Auto,

    /// <summary>No calls: the tools are left out of the prompt and the output is always text.</summary>
    None,

    /// <summary>At least one call: decoding is constrained to a JSON array of calls to the offered functions.</summary>
    Required,

    /// <summary>A call to <see cref="ToolChoice.FunctionName"/>: decoding is constrained to its parameters' schema.</summary>
    Function,
}

/// <summary>A request's <c>tool_choice</c>, checked against its tools.</summary>
internal sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    public static readonly ToolChoice Auto = new(ToolChoiceMode.Auto);

    public static readonly ToolChoice None = new(ToolChoiceMode.None);

    /// <summary>Whether the model server constrains the output to tool calls (and the gateway reads it as JSON).</summary>
    public bool Constrains => Mode is ToolChoiceMode.Required or ToolChoiceMode.Function;

    /// <summary>A stable spelling for the cache key.</summary>
    public string Key => Mode == ToolChoiceMode.Function ? "function:" + FunctionName : Mode.ToString().ToLowerInvariant();
}
