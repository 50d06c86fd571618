using Aspire70B.Serving.Tokenization;

namespace Aspire70B.Simulator.Generation;

/// <summary>
/// The tokens one simulated sequence would sample: its natural text, then end-of-sequence; when end-of-sequence is
/// not allowed yet (<c>ignore_eos</c>, <c>min_tokens</c>) it rambles on with filler and stops as soon as it may.
/// Not thread-safe.
/// </summary>
internal sealed class TokenSource
{
    private readonly Queue<int> _pending;
    private readonly ApproximateTokenizer _tokenizer;
    private readonly LoremWriter _filler;
    private bool _naturalEnd;

    public TokenSource(string naturalText, ApproximateTokenizer tokenizer, SplitMix64 random)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _filler = new LoremWriter(random);
        _pending = new Queue<int>(tokenizer.Encode(naturalText, addSpecialTokens: false));
    }

    public int Next(bool endOfSequenceAllowed)
    {
        if (_pending.Count == 0)
        {
            _naturalEnd = true;
        }

        if (_naturalEnd && endOfSequenceAllowed)
        {
            return _tokenizer.Vocabulary.EosId;
        }

        if (_pending.Count == 0)
        {
            foreach (var id in _tokenizer.Encode(" " + _filler.Sentence(), addSpecialTokens: false))
            {
                _pending.Enqueue(id);
            }
        }

        return _pending.Dequeue();
    }
}
