using System.Text.Json;

namespace Aspire70B.Simulator.Generation;

/// <summary>A function the prompt offers the model, with its parameters' JSON schema (an empty object schema when it has none).</summary>
internal sealed record OfferedFunction(string Name, JsonElement Parameters);

/// <summary>
/// What a Llama 3.1 prompt tells the model about tools, read back from the rendered text as the model sees it: the
/// function definitions the chat template printed after "Do not use variables." (in the first user message, or in the
/// system message with <c>tools_in_user_message=false</c>), who spoke last before the open assistant header, what the
/// user said last, and the tool results (<c>ipython</c> turns) that end the conversation.
/// </summary>
internal sealed record ToolPrompt(IReadOnlyList<OfferedFunction> Functions, string? LastRole, string UserText, IReadOnlyList<string> ToolResults)
{
    private const string Header = "<|start_header_id|>";
    private const string HeaderEnd = "<|end_header_id|>\n\n";
    private const string GenerationPrompt = "<|start_header_id|>assistant<|end_header_id|>\n\n";
    private const string EndOfTurn = "<|eot_id|>";
    private const string EndOfMessage = "<|eom_id|>";
    private const string ToolsMarker = "Do not use variables.\n\n";

    private static readonly JsonElement EmptyObjectSchema = JsonDocument.Parse("""{"type": "object", "properties": {}}""").RootElement.Clone();

    /// <summary>Whether the model is asked for a new assistant turn after a user turn, with functions on offer.</summary>
    public bool AsksForCall => Functions.Count > 0 && LastRole == "user";

    /// <summary>Whether the model is asked for a new assistant turn right after tool results.</summary>
    public bool AnswersToolResults => LastRole == "ipython" && ToolResults.Count > 0;

    /// <summary>The offered functions the user's last message names, in the order it names them.</summary>
    public IReadOnlyList<string> NamedIn(IEnumerable<string> names) =>
        [.. names.Select(n => (Name: n, At: UserText.IndexOf(n, StringComparison.Ordinal))).Where(x => x.At >= 0).OrderBy(x => x.At).Select(x => x.Name).Distinct()];

    public static ToolPrompt Read(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var functions = ReadFunctions(prompt);
        if (!prompt.EndsWith(GenerationPrompt, StringComparison.Ordinal))
        {
            return new ToolPrompt(functions, null, string.Empty, []);
        }

        var turns = Turns(prompt[..^GenerationPrompt.Length]);
        var lastRole = turns.Count > 0 ? turns[^1].Role : null;
        var results = new List<string>();
        for (var i = turns.Count - 1; i >= 0 && turns[i].Role == "ipython"; i--)
        {
            results.Insert(0, ToolResult(turns[i].Text));
        }

        return new ToolPrompt(functions, lastRole, LastUserTurn.Of(prompt), results);
    }

    private static List<(string Role, string Text)> Turns(string prompt)
    {
        var turns = new List<(string, string)>();
        var at = prompt.IndexOf(Header, StringComparison.Ordinal);
        while (at >= 0)
        {
            var roleStart = at + Header.Length;
            var roleEnd = prompt.IndexOf(HeaderEnd, roleStart, StringComparison.Ordinal);
            if (roleEnd < 0)
            {
                break;
            }

            var textStart = roleEnd + HeaderEnd.Length;
            var next = prompt.IndexOf(Header, textStart, StringComparison.Ordinal);
            var text = next < 0 ? prompt[textStart..] : prompt[textStart..next];
            foreach (var end in (string[])[EndOfTurn, EndOfMessage])
            {
                if (text.EndsWith(end, StringComparison.Ordinal))
                {
                    text = text[..^end.Length];
                }
            }

            turns.Add((prompt[roleStart..roleEnd], text));
            at = next;
        }

        return turns;
    }

    // The template prints a string result as is, and other content (as vLLM passes it) through tojson: a JSON string
    // literal is the text it quotes.
    private static string ToolResult(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(trimmed) ?? trimmed;
            }
            catch (JsonException)
            {
                return trimmed;
            }
        }

        return trimmed;
    }

    private static List<OfferedFunction> ReadFunctions(string prompt)
    {
        var functions = new List<OfferedFunction>();
        var marker = prompt.IndexOf(ToolsMarker, StringComparison.Ordinal);
        if (marker < 0)
        {
            return functions;
        }

        var at = marker + ToolsMarker.Length;
        while (at < prompt.Length && prompt[at] == '{' && ObjectEnd(prompt, at) is { } end)
        {
            try
            {
                using var document = JsonDocument.Parse(prompt.AsMemory(at, end - at));
                if (Function(document.RootElement) is { } function)
                {
                    functions.Add(function);
                }
            }
            catch (JsonException)
            {
                break;
            }

            at = end;
            while (at < prompt.Length && prompt[at] == '\n')
            {
                at++;
            }
        }

        return functions;
    }

    private static OfferedFunction? Function(JsonElement tool)
    {
        // {"type": "function", "function": {...}} from OpenAI's tools, or a bare definition from custom_tools.
        var definition = tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : tool;
        if (definition.ValueKind != JsonValueKind.Object || !definition.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var parameters = definition.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object && p.EnumerateObject().Any() ? p.Clone() : EmptyObjectSchema;
        return new OfferedFunction(name.GetString()!, parameters);
    }

    // The index just past the JSON object starting at start, tracking strings; null when it does not close.
    private static int? ObjectEnd(string text, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{' or '[':
                    depth++;
                    break;
                case '}' or ']':
                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
            }
        }

        return null;
    }
}
