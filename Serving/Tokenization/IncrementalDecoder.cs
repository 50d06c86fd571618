using System.Text;

namespace Aspire70B.Serving.Tokenization;

/// <summary>
/// Turns tokens into text one at a time, holding back the bytes of a character split across tokens until it is
/// complete (as vLLM's incremental detokenizer does). Not thread-safe: one per sequence.
/// </summary>
internal sealed class IncrementalDecoder(ApproximateTokenizer tokenizer, bool skipSpecialTokens)
{
    private readonly Decoder _utf8 = new UTF8Encoding(false, false).GetDecoder();
    private readonly char[] _chars = new char[16];

    /// <summary>Appends the text <paramref name="id"/> completes to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public void Append(int id, StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(output);
        tokenizer.EnsureInVocabulary(id);
        if (tokenizer.Vocabulary.SpecialText(id) is { } special)
        {
            if (!skipSpecialTokens)
            {
                Flush(output);
                output.Append(special);
            }

            return;
        }

        var bytes = tokenizer.Vocabulary.PieceBytes(id);
        var count = _utf8.GetChars(bytes, _chars, flush: false);
        output.Append(_chars, 0, count);
    }

    /// <summary>Ends the text: an incomplete character becomes U+FFFD.</summary>
    public void Flush(StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var count = _utf8.GetChars([], _chars, flush: true);
        output.Append(_chars, 0, count);
    }
}
