using System.Text.Json;
using Aspire70B.Serving.Templates;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Reads the output of a decoding constrained by <see cref="StructuredOutputsBuilder"/> as tool calls: for a named
/// function, the arguments object; for <c>required</c>, the array of <c>{"name", "parameters"}</c>. Null when the text is
/// not that (cut short by <c>max_tokens</c>, say): it is then the choice's content.
/// </summary>
internal static class ConstrainedToolCalls
{
    public static IReadOnlyList<ToolCall>? Read(string text, ToolChoice choice)
    {
        object? value;
        try
        {
            value = PyJson.Loads(text);
        }
        catch (JsonException)
        {
            return null;
        }

        if (choice.Mode == ToolChoiceMode.Function)
        {
            return value is PyDict arguments ? [new ToolCall(ModelOutputParser.NewCallId(), choice.FunctionName!, PyJson.Dumps(arguments, JsonFormat.Compact))] : null;
        }

        if (value is not PyList { Count: > 0 } items)
        {
            return null;
        }

        var calls = new List<ToolCall>();
        foreach (var item in items)
        {
            if (item is not PyDict call || !call.TryGetValue("name", out var name) || name is not string function
                || !call.TryGetValue("parameters", out var parameters) || parameters is not PyDict arguments)
            {
                return null;
            }

            calls.Add(new ToolCall(ModelOutputParser.NewCallId(), function, PyJson.Dumps(arguments, JsonFormat.Compact)));
        }

        return calls;
    }
}
