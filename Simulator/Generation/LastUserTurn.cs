namespace Aspire70B.Simulator.Generation;

/// <summary>
/// Finds what the user said last in a prompt, so that echo mode works the same whether the chat template was applied
/// by the Simulator or by a gateway that sends the rendered prompt to /v1/completions.
/// </summary>
internal static class LastUserTurn
{
    private const string Llama3UserHeader = "<|start_header_id|>user<|end_header_id|>\n\n";
    private const string Llama3EndOfTurn = "<|eot_id|>";
    private const string Llama2Open = "[INST]";
    private const string Llama2Close = "[/INST]";
    private const string Llama2SystemEnd = "<</SYS>>";
    private const string Llama31ToolPreamble = "Given the following functions";
    private const string Llama31ToolsEnd = "}\n\n";

    /// <summary>The last user turn of a Llama 3 or Llama 2 chat prompt, else the last non-empty line of the prompt.</summary>
    public static string Of(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var header = prompt.LastIndexOf(Llama3UserHeader, StringComparison.Ordinal);
        if (header >= 0)
        {
            var start = header + Llama3UserHeader.Length;
            var end = prompt.IndexOf(Llama3EndOfTurn, start, StringComparison.Ordinal);
            var turn = end < 0 ? prompt[start..] : prompt[start..end];

            // Llama 3.1 puts the tool definitions in front of the first user message; the message follows the last one.
            var tools = turn.StartsWith(Llama31ToolPreamble, StringComparison.Ordinal) ? turn.LastIndexOf(Llama31ToolsEnd, StringComparison.Ordinal) : -1;
            return (tools < 0 ? turn : turn[(tools + Llama31ToolsEnd.Length)..]).Trim();
        }

        var open = prompt.LastIndexOf(Llama2Open, StringComparison.Ordinal);
        if (open >= 0)
        {
            var start = open + Llama2Open.Length;
            var close = prompt.IndexOf(Llama2Close, start, StringComparison.Ordinal);
            var turn = close < 0 ? prompt[start..] : prompt[start..close];
            var system = turn.IndexOf(Llama2SystemEnd, StringComparison.Ordinal);
            return (system < 0 ? turn : turn[(system + Llama2SystemEnd.Length)..]).Trim();
        }

        var lines = prompt.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? string.Empty : lines[^1];
    }
}
