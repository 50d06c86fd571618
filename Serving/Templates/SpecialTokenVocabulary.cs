using System.Buffers;
using System.Text;

namespace Aspire70B.Serving.Templates;

/// <summary>
/// The spellings a tokenizer turns into control tokens, found anywhere in a string (overlaps included), and their
/// neutralisation: a ZERO WIDTH SPACE after each spelling's first character. A neutralised string contains no spelling
/// at all: every spelling that was there is split, and none can form across the inserted U+200B, which no spelling contains.
/// </summary>
internal sealed class SpecialTokenVocabulary
{
    public const char Separator = '\u200B';

    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int[] _lengths;
    private readonly SearchValues<char> _firstCharacters;

    public SpecialTokenVocabulary(IEnumerable<string> tokens)
    {
        var set = new HashSet<string>(tokens, StringComparer.Ordinal);
        if (set.Any(t => t.Length < 2))
        {
            throw new ArgumentException("Every special token must be at least two characters long.", nameof(tokens));
        }

        Tokens = [.. set.Order(StringComparer.Ordinal)];
        _lookup = set.GetAlternateLookup<ReadOnlySpan<char>>();
        _lengths = [.. set.Select(t => t.Length).Distinct().Order()];
        _firstCharacters = SearchValues.Create([.. set.Select(t => t[0]).Distinct()]);
    }

    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The first special token spelled in <paramref name="text"/>, or null.</summary>
    public string? FindFirst(string text)
    {
        for (var i = NextCandidate(text, 0); i >= 0; i = NextCandidate(text, i + 1))
        {
            if (MatchAt(text, i) is { } token)
            {
                return token;
            }
        }

        return null;
    }

    public string Escape(string text)
    {
        StringBuilder? sb = null;
        var copied = 0;
        for (var i = NextCandidate(text, 0); i >= 0; i = NextCandidate(text, i + 1))
        {
            if (MatchAt(text, i) is not null)
            {
                sb ??= new StringBuilder(text.Length + 8);
                sb.Append(text, copied, i + 1 - copied).Append(Separator);
                copied = i + 1;
            }
        }

        return sb is null ? text : sb.Append(text, copied, text.Length - copied).ToString();
    }

    private int NextCandidate(string text, int from)
    {
        if (from >= text.Length)
        {
            return -1;
        }

        var offset = text.AsSpan(from).IndexOfAny(_firstCharacters);
        return offset < 0 ? -1 : from + offset;
    }

    private string? MatchAt(string text, int index)
    {
        foreach (var length in _lengths)
        {
            if (index + length > text.Length)
            {
                break;
            }

            if (_lookup.TryGetValue(text.AsSpan(index, length), out var token))
            {
                return token;
            }
        }

        return null;
    }
}
