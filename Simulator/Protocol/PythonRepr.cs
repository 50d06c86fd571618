using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// Python's <c>repr</c> of values parsed from JSON (dict, list, str, int, float, True/False/None), for messages in which
/// vLLM prints a pydantic error dict.
/// </summary>
internal static class PythonRepr
{
    public static string Of(JsonElement value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return text.ToString();
    }

    /// <summary>A <c>str</c>: single quotes unless the text holds a single quote and no double quote, as Python picks.</summary>
    public static string String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var quote = value.Contains('\'', StringComparison.Ordinal) && !value.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var text = new StringBuilder(value.Length + 2).Append(quote);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        text.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append(quote).ToString();
    }

    /// <summary>A tuple of strings and ints: <c>('body',)</c>, <c>('body', 'messages')</c>.</summary>
    public static string Tuple(IReadOnlyList<object> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var parts = items.Select(i => i is string s ? String(s) : Convert.ToString(i, CultureInfo.InvariantCulture)!).ToList();
        return parts.Count == 1 ? $"({parts[0]},)" : $"({string.Join(", ", parts)})";
    }

    private static void Write(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var property in value.EnumerateObject())
                {
                    text.Append(first ? "" : ", ").Append(String(property.Name)).Append(": ");
                    Write(text, property.Value);
                    first = false;
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    text.Append(index++ == 0 ? "" : ", ");
                    Write(text, item);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                text.Append(String(value.GetString()!));
                break;
            case JsonValueKind.Number:
                // Python's json module reads a number without '.', 'e' or 'E' as an int, any other as a float.
                var raw = value.GetRawText();
                text.Append(raw.IndexOfAny(['.', 'e', 'E']) < 0 ? raw : PythonFormat.Float(value.GetDouble()));
                break;
            case JsonValueKind.True:
                text.Append("True");
                break;
            case JsonValueKind.False:
                text.Append("False");
                break;
            default:
                text.Append("None");
                break;
        }
    }
}
