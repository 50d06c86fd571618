using System.Globalization;
using System.Text;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// Splits template source into tokens the way Jinja's lexer does in Hugging Face's environment: <c>trim_blocks</c>
/// (the newline right after a block or comment tag is dropped), <c>lstrip_blocks</c> (spaces before a block or comment
/// tag at the start of a line are dropped), <c>-</c> / <c>+</c> whitespace control on every tag, and
/// <c>keep_trailing_newline=False</c>. "Whitespace" is Python's <c>\s</c>, as in Jinja's regular expressions.
/// </summary>
internal static class JinjaLexer
{
    private static readonly string[] Operators =
    [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ];

    public static List<Token> Tokenize(string source)
    {
        source = NormalizeNewlines(source);
        var tokens = new List<Token>();
        var pos = 0;
        var line = 1;
        var lineStarting = true;
        while (pos < source.Length)
        {
            var tagStart = FindTagStart(source, pos);
            if (tagStart < 0)
            {
                tokens.Add(new Token(TokenKind.Data, source[pos..], line));
                break;
            }

            var kind = source[tagStart + 1];
            var sign = tagStart + 2 < source.Length && source[tagStart + 2] is '-' or '+' ? source[tagStart + 2] : '\0';
            var text = source[pos..tagStart];
            if (sign == '-')
            {
                text = PyString.RStrip(text);
            }
            else if (sign != '+' && kind != '{')
            {
                text = LStripBlock(text, lineStarting);
            }

            if (text.Length > 0)
            {
                tokens.Add(new Token(TokenKind.Data, text, line));
            }

            line += CountNewlines(source, pos, tagStart);
            pos = tagStart + (sign == '\0' ? 2 : 3);
            if (kind == '#')
            {
                pos = SkipComment(source, pos, ref line, out lineStarting);
                continue;
            }

            tokens.Add(new Token(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin, string.Empty, line));
            pos = TokenizeTag(source, pos, isVariable: kind == '{', tokens, ref line, out lineStarting);
        }

        tokens.Add(new Token(TokenKind.End, string.Empty, line));
        return tokens;
    }

    // Jinja splits the source on \r\n, \r and \n, drops one trailing newline (keep_trailing_newline=False) and joins with \n.
    private static string NormalizeNewlines(string source)
    {
        var normalized = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        return normalized.EndsWith('\n') ? normalized[..^1] : normalized;
    }

    private static int FindTagStart(string source, int from)
    {
        for (var i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
        {
            if (source[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    // lstrip_blocks: whitespace between the last newline (or the start of a line) and a block or comment tag goes.
    private static string LStripBlock(string text, bool lineStarting)
    {
        var lineStart = text.LastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && lineStart < text.Length && AllSpace(text, lineStart))
        {
            return text[..lineStart];
        }

        return text;
    }

    private static bool AllSpace(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (!PyString.IsSpace(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static int SkipComment(string source, int pos, ref int line, out bool lineStarting)
    {
        var end = source.IndexOf("#}", pos, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new TemplateSyntaxException("Missing end of comment tag", line);
        }

        line += CountNewlines(source, pos, end);
        var modifier = end > pos ? source[end - 1] : '\0';
        return CloseTag(source, end + 2, modifier, trimNewline: true, ref line, out lineStarting);
    }

    // After a closing tag: '-' strips all following whitespace, '+' keeps it, otherwise trim_blocks drops one newline
    // (block and comment tags only).
    private static int CloseTag(string source, int pos, char modifier, bool trimNewline, ref int line, out bool lineStarting)
    {
        var start = pos;
        if (modifier == '-')
        {
            while (pos < source.Length && PyString.IsSpace(source[pos]))
            {
                pos++;
            }
        }
        else if (modifier != '+' && trimNewline && pos < source.Length && source[pos] == '\n')
        {
            pos++;
        }

        line += CountNewlines(source, start, pos);
        lineStarting = pos > start && source[pos - 1] == '\n';
        return pos;
    }

    private static int TokenizeTag(string source, int pos, bool isVariable, List<Token> tokens, ref int line, out bool lineStarting)
    {
        var close = isVariable ? "}}" : "%}";
        var brackets = new Stack<char>();
        Token? previous = null;
        while (true)
        {
            if (pos >= source.Length)
            {
                throw new TemplateSyntaxException($"unexpected end of template, expected '{close}'", line);
            }

            // While brackets are open, a closing tag is not recognised (Jinja's balancing stack).
            if (brackets.Count == 0)
            {
                var modifier = source[pos] is '-' or '+' ? source[pos] : '\0';
                var closeAt = modifier == '\0' ? pos : pos + 1;
                if (string.CompareOrdinal(source, closeAt, close, 0, 2) == 0 && (modifier != '+' || !isVariable))
                {
                    tokens.Add(new Token(isVariable ? TokenKind.VariableEnd : TokenKind.BlockEnd, string.Empty, line));
                    return CloseTag(source, closeAt + 2, modifier, trimNewline: !isVariable, ref line, out lineStarting);
                }
            }

            var c = source[pos];
            Token token;
            if (PyString.IsSpace(c))
            {
                line += c == '\n' ? 1 : 0;
                pos++;
                continue;
            }
            else if (char.IsAsciiDigit(c))
            {
                pos = ReadNumber(source, pos, afterDot: previous?.IsOperator(".") == true, line, out token);
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = pos;
                while (pos < source.Length && (char.IsAsciiLetterOrDigit(source[pos]) || source[pos] == '_'))
                {
                    pos++;
                }

                token = new Token(TokenKind.Name, source[start..pos], line);
            }
            else if (c is '\'' or '"')
            {
                pos = ReadString(source, pos, ref line, out token);
            }
            else
            {
                var op = Array.Find(Operators, o => string.CompareOrdinal(source, pos, o, 0, o.Length) == 0)
                    ?? throw new TemplateSyntaxException($"unexpected char '{c}'", line);
                Balance(brackets, op, line);
                pos += op.Length;
                token = new Token(TokenKind.Operator, op, line);
            }

            tokens.Add(token);
            previous = token;
        }
    }

    private static void Balance(Stack<char> brackets, string op, int line)
    {
        switch (op)
        {
            case "(" or "[" or "{":
                brackets.Push(op[0]);
                break;
            case ")" or "]" or "}":
                var expected = op switch { ")" => '(', "]" => '[', _ => '{' };
                if (brackets.Count == 0 || brackets.Pop() != expected)
                {
                    throw new TemplateSyntaxException($"unexpected '{op}'", line);
                }

                break;
        }
    }

    private static int ReadNumber(string source, int pos, bool afterDot, int line, out Token token)
    {
        var start = pos;
        pos = SkipDigits(source, pos);
        var isFloat = false;
        if (!afterDot && pos + 1 < source.Length && source[pos] == '.' && char.IsAsciiDigit(source[pos + 1]))
        {
            pos = SkipDigits(source, pos + 1);
            isFloat = true;
        }

        if (!afterDot && pos < source.Length && source[pos] is 'e' or 'E')
        {
            var exponent = pos + 1;
            if (exponent < source.Length && source[exponent] is '+' or '-')
            {
                exponent++;
            }

            if (exponent < source.Length && char.IsAsciiDigit(source[exponent]))
            {
                pos = SkipDigits(source, exponent);
                isFloat = true;
            }
        }

        token = new Token(isFloat ? TokenKind.Float : TokenKind.Integer, source[start..pos].Replace("_", string.Empty, StringComparison.Ordinal), line);
        return pos;
    }

    private static int SkipDigits(string source, int pos)
    {
        while (pos < source.Length && (char.IsAsciiDigit(source[pos]) || (source[pos] == '_' && pos + 1 < source.Length && char.IsAsciiDigit(source[pos + 1]))))
        {
            pos++;
        }

        return pos;
    }

    private static int ReadString(string source, int pos, ref int line, out Token token)
    {
        var quote = source[pos];
        var startLine = line;
        var sb = new StringBuilder();
        for (var i = pos + 1; i < source.Length; i++)
        {
            var c = source[i];
            if (c == quote)
            {
                token = new Token(TokenKind.String, sb.ToString(), startLine);
                return i + 1;
            }

            line += c == '\n' ? 1 : 0;
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (++i >= source.Length)
            {
                break;
            }

            i = Unescape(source, i, sb, startLine);
        }

        throw new TemplateSyntaxException("unexpected end of string", startLine);
    }

    // Python's "unicode-escape" decoding, which Jinja applies to string literals. Returns the index of the last
    // character consumed.
    private static int Unescape(string source, int i, StringBuilder sb, int line)
    {
        var c = source[i];
        switch (c)
        {
            case '\n':
                return i;
            case '\\' or '\'' or '"':
                sb.Append(c);
                return i;
            case 'a':
                sb.Append('\a');
                return i;
            case 'b':
                sb.Append('\b');
                return i;
            case 'f':
                sb.Append('\f');
                return i;
            case 'n':
                sb.Append('\n');
                return i;
            case 'r':
                sb.Append('\r');
                return i;
            case 't':
                sb.Append('\t');
                return i;
            case 'v':
                sb.Append('\v');
                return i;
            case >= '0' and <= '7':
                var end = i;
                while (end < source.Length && end < i + 3 && source[end] is >= '0' and <= '7')
                {
                    end++;
                }

                sb.Append((char)Convert.ToInt32(source[i..end], 8));
                return end - 1;
            case 'x' or 'u' or 'U':
                var width = c == 'x' ? 2 : c == 'u' ? 4 : 8;
                if (i + width >= source.Length
                    || !int.TryParse(source.AsSpan(i + 1, width), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var codePoint)
                    || codePoint > 0x10FFFF)
                {
                    throw new TemplateSyntaxException($"truncated \\{c} escape in a string literal", line);
                }

                sb.Append(char.ConvertFromUtf32(codePoint is >= 0xD800 and <= 0xDFFF ? 0xFFFD : codePoint));
                return i + width;
            default:
                sb.Append('\\').Append(c);
                return i;
        }
    }

    private static int CountNewlines(string source, int from, int to)
    {
        var count = 0;
        for (var i = from; i < to; i++)
        {
            count += source[i] == '\n' ? 1 : 0;
        }

        return count;
    }
}
