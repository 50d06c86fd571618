using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// Python's <c>json</c> module for template values: <see cref="FromJson"/> is <c>json.loads</c> (a number with a fraction
/// or exponent becomes a float, any other an exact int; a repeated key keeps its first position and last value),
/// <see cref="Dumps"/> is <c>json.dumps</c> with its separators, indentation, float repr and escaping.
/// </summary>
internal static class PyJson
{
    // Python's json accepts far deeper nesting than System.Text.Json's default of 64; deep tool schemas must still parse.
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 256 };

    public static object? FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = new PyDict();
                foreach (var property in element.EnumerateObject())
                {
                    dict.Set(Name(property), FromJson(property.Value));
                }

                return dict;
            case JsonValueKind.Array:
                var list = new PyList();
                foreach (var item in element.EnumerateArray())
                {
                    list.Add(FromJson(item));
                }

                return list;
            case JsonValueKind.String:
                try
                {
                    return element.GetString();
                }
                catch (InvalidOperationException e)
                {
                    // Python's json accepts a lone surrogate escape ("\ud800"); .NET strings from JSON cannot hold one.
                    throw new JsonException($"A string is not valid UTF-16: {e.Message}", e);
                }

            case JsonValueKind.Number:
                return ParseNumber(element.GetRawText());
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>Parses JSON text into Python values; <see cref="JsonException"/> when it is not JSON (or not valid UTF-16).</summary>
    public static object? Loads(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (ArgumentException e)
        {
            // Text with a lone surrogate (a model can write anything) cannot be transcoded to UTF-8 for the parser.
            throw new JsonException($"The text is not valid UTF-16: {e.Message}", e);
        }

        using (document)
        {
            return FromJson(document.RootElement);
        }
    }

    private static string Name(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException($"A property name is not valid UTF-16: {e.Message}", e);
        }
    }

    public static string Dumps(object? value, JsonFormat format)
    {
        var sb = new StringBuilder();
        Write(sb, value, format, 0);
        return sb.ToString();
    }

    private static object ParseNumber(string raw)
    {
        return raw.AsSpan().IndexOfAny('.', 'e', 'E') >= 0
            ? double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture)
            : BigInteger.Parse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    private static void Write(StringBuilder sb, object? value, JsonFormat format, int level)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case BigInteger i:
                sb.Append(i.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyFloat.Repr(d));
                break;
            case string s:
                WriteString(sb, s, format.EnsureAscii);
                break;
            case PyList or PyTuple:
                WriteArray(sb, (IReadOnlyList<object?>)value, format, level);
                break;
            case PyDict dict:
                WriteObject(sb, dict, format, level);
                break;
            default:
                throw new ChatTemplateException($"Object of type {PyOps.TypeName(value)} is not JSON serializable", "TypeError");
        }
    }

    private static void WriteArray(StringBuilder sb, IReadOnlyList<object?> items, JsonFormat format, int level)
    {
        if (items.Count == 0)
        {
            sb.Append("[]");
            return;
        }

        sb.Append('[');
        var inner = level + 1;
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(format.ItemSeparator);
            }

            NewLine(sb, format, inner);
            Write(sb, items[i], format, inner);
        }

        NewLine(sb, format, level);
        sb.Append(']');
    }

    private static void WriteObject(StringBuilder sb, PyDict dict, JsonFormat format, int level)
    {
        if (dict.Count == 0)
        {
            sb.Append("{}");
            return;
        }

        IEnumerable<string> keys = dict.Keys;
        if (format.SortKeys)
        {
            keys = keys.Order(Comparer<string>.Create(PyString.CompareCodePoints));
        }

        sb.Append('{');
        var inner = level + 1;
        var first = true;
        foreach (var key in keys)
        {
            if (!first)
            {
                sb.Append(format.ItemSeparator);
            }

            first = false;
            NewLine(sb, format, inner);
            WriteString(sb, key, format.EnsureAscii);
            sb.Append(format.KeySeparator);
            Write(sb, dict[key], format, inner);
        }

        NewLine(sb, format, level);
        sb.Append('}');
    }

    private static void NewLine(StringBuilder sb, JsonFormat format, int level)
    {
        if (format.Indent is not null)
        {
            sb.Append('\n');
            for (var i = 0; i < level; i++)
            {
                sb.Append(format.Indent);
            }
        }
    }

    private static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                default:
                    // Python escapes control characters always and, with ensure_ascii, everything outside printable
                    // ASCII (astral characters as their surrogate pair): both as lower-case \uXXXX.
                    if (c < 0x20 || (ensureAscii && c > 0x7E))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}

/// <summary>
/// The layout arguments of Python's <c>json.dumps</c>. <see cref="Indent"/> null writes one line; otherwise every item
/// goes on its own line, indented by that string once per level.
/// </summary>
internal sealed record JsonFormat(string? Indent, string ItemSeparator, string KeySeparator, bool EnsureAscii, bool SortKeys)
{
    /// <summary><c>json.dumps(x, ensure_ascii=False)</c>: <c>", "</c> and <c>": "</c> on one line.</summary>
    public static readonly JsonFormat Default = new(null, ", ", ": ", EnsureAscii: false, SortKeys: false);

    /// <summary><c>json.dumps(x, ensure_ascii=False, separators=(",", ":"))</c>: the compact form OpenAI clients expect.</summary>
    public static readonly JsonFormat Compact = new(null, ",", ":", EnsureAscii: false, SortKeys: false);

    /// <summary>
    /// The format <c>json.dumps</c> chooses for its keyword arguments: an int indent is that many spaces (a string is used
    /// as is), and with an indent the default item separator loses its trailing space.
    /// </summary>
    public static JsonFormat FromPython(object? indent, object? separators, bool ensureAscii, bool sortKeys)
    {
        var indentText = indent switch
        {
            null => null,
            string s => s,
            bool or BigInteger when PyOps.ToInteger(indent) <= 1_000 => new string(' ', (int)BigInteger.Max(PyOps.ToInteger(indent), BigInteger.Zero)),
            bool or BigInteger => throw new ChatTemplateException("indent too large for this template engine", "OverflowError"),
            _ => throw new ChatTemplateException($"indent must be an int or a str, not {PyOps.TypeName(indent)}", "TypeError"),
        };

        var (item, key) = separators switch
        {
            null => (indentText is null ? ", " : ",", ": "),
            IReadOnlyList<object?> { Count: 2 } pair when pair[0] is string a && pair[1] is string b => (a, b),
            _ => throw new ChatTemplateException("separators must be a pair of strings", "ValueError"),
        };

        return new JsonFormat(indentText, item, key, ensureAscii, sortKeys);
    }
}
