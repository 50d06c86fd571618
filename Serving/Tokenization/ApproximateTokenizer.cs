using System.Text;

namespace Aspire70B.Serving.Tokenization;

/// <summary>
/// A deterministic stand-in for Llama's tokenizer: special tokens are recognised as single tokens anywhere in the
/// text (as Hugging Face tokenizers do), everything else is cut by greedy longest match over
/// <see cref="TokenizerVocabulary"/> — frequent words, word pieces, printable-ASCII pairs, and single UTF-8 bytes for
/// the rest.
/// English comes out at roughly 3.5 characters per token, as with the real Llama 3 tokenizer; the ids are not the
/// real ones. <c>Decode(Encode(x, false)) == x</c> for every well-formed string (a lone surrogate becomes U+FFFD,
/// as in UTF-8). Immutable and thread-safe.
/// </summary>
internal sealed class ApproximateTokenizer(TokenizerVocabulary vocabulary)
{
    public TokenizerVocabulary Vocabulary { get; } = vocabulary;

    /// <summary>Tokens of <paramref name="text"/>, after a BOS token when <paramref name="addSpecialTokens"/>.</summary>
    public List<int> Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (addSpecialTokens)
        {
            ids.Add(Vocabulary.BosId);
        }

        Encode(text.AsSpan(), ids);
        return ids;
    }

    /// <summary>Appends the tokens of <paramref name="text"/> (no BOS) to <paramref name="ids"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Encode(text, ids, 0);
    }

    /// <summary>How many tokens <paramref name="text"/> (no BOS) is, without keeping them.</summary>
    public int Count(ReadOnlySpan<char> text) => Encode(text, null, 0);

    // Adds each token to ids when there is a list; returns count plus the number of tokens either way.
    private int Encode(ReadOnlySpan<char> text, List<int>? ids, int count)
    {
        var plainStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            var next = text[i..].IndexOf('<');
            if (next < 0)
            {
                break;
            }

            i += next;
            if (MatchSpecial(text[i..], out var length, out var id))
            {
                count = EncodePlain(text[plainStart..i], ids, count);
                ids?.Add(id);
                count++;
                i += length;
                plainStart = i;
            }
            else
            {
                i++;
            }
        }

        return EncodePlain(text[plainStart..], ids, count);
    }

    /// <summary>The text of <paramref name="ids"/>; special tokens are kept unless <paramref name="skipSpecialTokens"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var decoder = new IncrementalDecoder(this, skipSpecialTokens);
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            decoder.Append(id, text);
        }

        decoder.Flush(text);
        return text.ToString();
    }

    public void EnsureInVocabulary(int id)
    {
        if (id < 0 || id >= Vocabulary.VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is out of vocabulary.");
        }
    }

    private bool MatchSpecial(ReadOnlySpan<char> text, out int length, out int id)
    {
        foreach (var candidate in Vocabulary.SpecialLengths)
        {
            if (candidate <= text.Length && Vocabulary.SpecialLookup.TryGetValue(text[..candidate], out id))
            {
                length = candidate;
                return true;
            }
        }

        length = 0;
        id = 0;
        return false;
    }

    private int EncodePlain(ReadOnlySpan<char> text, List<int>? ids, int count)
    {
        Span<byte> utf8 = stackalloc byte[4];
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c < 0x80)
            {
                var pieceLength = MatchWordPiece(text[i..], out var pieceId);
                var wordLength = MatchWord(text[i..], out var wordId);
                if (wordLength > pieceLength)
                {
                    (pieceLength, pieceId) = (wordLength, wordId);
                }

                var pair = i + 1 < text.Length && IsPrintable(c) && IsPrintable(text[i + 1]);
                if (pieceLength >= 2)
                {
                    ids?.Add(pieceId);
                    count++;
                    i += pieceLength;
                }
                else if (pair)
                {
                    ids?.Add(Vocabulary.PairBase + (c - TokenizerVocabulary.PrintableFirst) * TokenizerVocabulary.PrintableCount
                        + (text[i + 1] - TokenizerVocabulary.PrintableFirst));
                    count++;
                    i += 2;
                }
                else
                {
                    ids?.Add(Vocabulary.ByteBase + c);
                    count++;
                    i++;
                }

                continue;
            }

            var width = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var rune = width == 2 ? new Rune(c, text[i + 1]) : Rune.IsValid(c) ? new Rune(c) : Rune.ReplacementChar;
            var written = rune.EncodeToUtf8(utf8);
            for (var b = 0; ids is not null && b < written; b++)
            {
                ids.Add(Vocabulary.ByteBase + utf8[b]);
            }

            count += written;
            i += width;
        }

        return count;
    }

    // The longest frequent word at the start of the text, with its leading space if any.
    private int MatchWord(ReadOnlySpan<char> text, out int id)
    {
        id = 0;
        var start = text[0] == ' ' ? 1 : 0;
        var end = start;
        var max = Math.Min(text.Length, Vocabulary.MaxWordLength);
        while (end < max && char.IsAsciiLetter(text[end]))
        {
            end++;
        }

        for (var length = end; length - start >= 4; length--)
        {
            if (Vocabulary.WordLookup.TryGetValue(text[..length], out id))
            {
                return length;
            }
        }

        return 0;
    }

    private int MatchWordPiece(ReadOnlySpan<char> text, out int id)
    {
        id = 0;
        var space = text[0] == ' ';
        var start = space ? 1 : 0;
        if (start >= text.Length || !char.IsAsciiLetter(text[start]))
        {
            return 0;
        }

        var family = Vocabulary.Family(space, char.IsAsciiLetterUpper(text[start]));
        if (family is null)
        {
            return 0;
        }

        var end = start + 1;
        while (end - start - 1 < family.MaxTail && end < text.Length && char.IsAsciiLetterLower(text[end]))
        {
            end++;
        }

        id = family.IdOf(text[start..end]);
        return end;
    }

    private static bool IsPrintable(char c) => c is >= ' ' and <= '~';
}
