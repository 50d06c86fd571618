using System.Globalization;
using System.Text;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// Python <c>str</c> semantics where they differ from .NET's: the whitespace set of <c>str.isspace</c>,
/// <c>strip</c>, lengths and indexes counted in code points, and <c>repr</c>.
/// </summary>
internal static class PyString
{
    /// <summary>
    /// Python's <c>str.isspace</c> for one code point. Unlike <see cref="char.IsWhiteSpace(char)"/> it includes
    /// U+001C–U+001F; like it, it excludes U+200B and U+FEFF.
    /// </summary>
    public static bool IsSpace(int codePoint) => codePoint switch
    {
        >= 0x09 and <= 0x0D => true,
        >= 0x1C and <= 0x20 => true,
        0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>Python's <c>str.strip(chars)</c>; <paramref name="chars"/> null means whitespace.</summary>
    public static string Strip(string s, string? chars = null) => RStrip(LStrip(s, chars), chars);

    /// <summary>Python's <c>str.lstrip(chars)</c>.</summary>
    public static string LStrip(string s, string? chars = null)
    {
        var start = 0;
        while (start < s.Length)
        {
            var width = RuneAt(s, start, out var codePoint);
            if (!ShouldStrip(codePoint, chars))
            {
                break;
            }

            start += width;
        }

        return start == 0 ? s : s[start..];
    }

    /// <summary>Python's <c>str.rstrip(chars)</c>.</summary>
    public static string RStrip(string s, string? chars = null)
    {
        var end = s.Length;
        while (end > 0)
        {
            var width = RuneBefore(s, end, out var codePoint);
            if (!ShouldStrip(codePoint, chars))
            {
                break;
            }

            end -= width;
        }

        return end == s.Length ? s : s[..end];
    }

    /// <summary>Python's <c>len(str)</c>: code points, not UTF-16 units.</summary>
    public static int Length(string s)
    {
        var count = 0;
        for (var i = 0; i < s.Length; i += RuneAt(s, i, out _))
        {
            count++;
        }

        return count;
    }

    /// <summary>The code points of <paramref name="s"/>, each as a string, the way Python iterates a <c>str</c>.</summary>
    public static List<string> Characters(string s)
    {
        var result = new List<string>(s.Length);
        for (var i = 0; i < s.Length;)
        {
            var width = RuneAt(s, i, out _);
            result.Add(s.Substring(i, width));
            i += width;
        }

        return result;
    }

    /// <summary>Python's <c>repr(str)</c>: quote choice, backslash escapes and the printable test of Python 3.</summary>
    public static string Repr(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2);
        sb.Append(quote);
        for (var i = 0; i < s.Length;)
        {
            var width = RuneAt(s, i, out var cp);
            if (cp == quote || cp == '\\')
            {
                sb.Append('\\').Append((char)cp);
            }
            else if (cp == '\t')
            {
                sb.Append("\\t");
            }
            else if (cp == '\n')
            {
                sb.Append("\\n");
            }
            else if (cp == '\r')
            {
                sb.Append("\\r");
            }
            else if (IsPrintable(cp))
            {
                sb.Append(s, i, width);
            }
            else if (cp <= 0xFF)
            {
                sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (cp <= 0xFFFF)
            {
                sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
            }

            i += width;
        }

        return sb.Append(quote).ToString();
    }

    /// <summary>Python's <c>str.isprintable</c> for one code point.</summary>
    public static bool IsPrintable(int codePoint)
    {
        if (codePoint < 0x20 || codePoint == 0x7F)
        {
            return false;
        }

        if (codePoint < 0x7F)
        {
            return true;
        }

        if (codePoint is >= 0xD800 and <= 0xDFFF)
        {
            return false;
        }

        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    /// <summary>
    /// Python's <c>str.split(sep)</c>: without a separator, runs of whitespace split and empty pieces vanish.
    /// </summary>
    public static List<string> Split(string s, string? separator)
    {
        if (separator is not null)
        {
            return separator.Length == 0
                ? throw new ChatTemplateException("empty separator", "ValueError")
                : [.. s.Split(separator, StringSplitOptions.None)];
        }

        var parts = new List<string>();
        var i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && IsSpace(s[i]))
            {
                i++;
            }

            var start = i;
            while (i < s.Length && !IsSpace(s[i]))
            {
                i++;
            }

            if (i > start)
            {
                parts.Add(s[start..i]);
            }
        }

        return parts;
    }

    /// <summary>Python's <c>str.replace(old, new)</c>: an empty <paramref name="old"/> matches between every code point.</summary>
    public static string Replace(string s, string old, string replacement) => old.Length == 0
        ? string.Join(replacement, ["", .. Characters(s), ""])
        : s.Replace(old, replacement, StringComparison.Ordinal);

    /// <summary>Compares two strings by code point, as Python orders <c>str</c> (ordinal UTF-16 order differs above U+FFFF).</summary>
    public static int CompareCodePoints(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            i += RuneAt(a, i, out var x);
            j += RuneAt(b, j, out var y);
            if (x != y)
            {
                return x < y ? -1 : 1;
            }
        }

        return (i < a.Length).CompareTo(j < b.Length);
    }

    /// <summary>The code point at <paramref name="index"/> and its width in UTF-16 units (a lone surrogate is one code point).</summary>
    public static int RuneAt(string s, int index, out int codePoint)
    {
        var c = s[index];
        if (char.IsHighSurrogate(c) && index + 1 < s.Length && char.IsLowSurrogate(s[index + 1]))
        {
            codePoint = char.ConvertToUtf32(c, s[index + 1]);
            return 2;
        }

        codePoint = c;
        return 1;
    }

    private static int RuneBefore(string s, int end, out int codePoint)
    {
        var c = s[end - 1];
        if (char.IsLowSurrogate(c) && end >= 2 && char.IsHighSurrogate(s[end - 2]))
        {
            codePoint = char.ConvertToUtf32(s[end - 2], c);
            return 2;
        }

        codePoint = c;
        return 1;
    }

    private static bool ShouldStrip(int codePoint, string? chars)
    {
        if (chars is null)
        {
            return IsSpace(codePoint);
        }

        for (var i = 0; i < chars.Length;)
        {
            i += RuneAt(chars, i, out var candidate);
            if (candidate == codePoint)
            {
                return true;
            }
        }

        return false;
    }
}
