using System.Text;
using Aspire70B.Serving.Tokenization;

namespace Aspire70B.Simulator.Generation;

/// <summary>What one step of one sequence adds: the text to send now, and how the sequence ended if it did.</summary>
internal readonly record struct SequenceDelta(int Index, int TokenId, string Text, string? FinishReason, StopReason StopReason)
{
    public bool Finished => FinishReason is not null;
}

/// <summary>
/// One choice being generated, with vLLM's stopping rules: end-of-sequence and stop token ids (not before
/// <c>min_tokens</c>), stop strings (cut from the text unless <c>include_stop_str_in_output</c>; while streaming, the
/// last <c>len(longest stop) − 1</c> characters are held back so a half-matched stop string is never sent), and
/// <c>max_tokens</c>. Not thread-safe.
/// </summary>
internal sealed class Sequence
{
    private readonly TokenSource _source;
    private readonly SamplingSettings _sampling;
    private readonly IncrementalDecoder _decoder;
    private readonly int _eosId;
    private readonly int _holdBack;
    private readonly StringBuilder _text = new();
    private int _sent;

    public Sequence(int index, int promptIndex, TokenSource source, SamplingSettings sampling, ApproximateTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(tokenizer);
        Index = index;
        PromptIndex = promptIndex;
        _source = source;
        _sampling = sampling;
        _decoder = new IncrementalDecoder(tokenizer, sampling.SkipSpecialTokens);
        _eosId = tokenizer.Vocabulary.EosId;
        _holdBack = sampling.IncludeStopStrInOutput || sampling.Stop.Count == 0 ? 0 : sampling.Stop.Max(s => s.Length) - 1;
    }

    public int Index { get; }

    public int PromptIndex { get; }

    public int TokenCount { get; private set; }

    public string? FinishReason { get; private set; }

    public StopReason StopReason { get; private set; }

    public bool Finished => FinishReason is not null;

    /// <summary>All text so far (after a stop string was cut).</summary>
    public string Text => _text.ToString();

    public SequenceDelta Step()
    {
        if (Finished)
        {
            throw new InvalidOperationException("The sequence has finished.");
        }

        var stopsAllowed = TokenCount >= _sampling.MinTokens;
        var id = _source.Next(endOfSequenceAllowed: stopsAllowed && !_sampling.IgnoreEos);
        TokenCount++;
        if (id == _eosId && stopsAllowed && !_sampling.IgnoreEos)
        {
            Finish(FinishReasons.Stop, StopReason.None);
        }
        else if (stopsAllowed && _sampling.StopTokenIds.Contains(id))
        {
            Finish(FinishReasons.Stop, new StopReason(null, id));
        }
        else
        {
            var before = _text.Length;
            _decoder.Append(id, _text);
            if (TokenCount > _sampling.MinTokens)
            {
                CheckStopStrings(before);
            }
        }

        if (!Finished && TokenCount >= _sampling.MaxTokens)
        {
            Finish(FinishReasons.Length, StopReason.None);
        }

        var end = Finished ? _text.Length : Math.Max(_sent, _text.Length - _holdBack);
        var delta = _text.ToString(_sent, end - _sent);
        _sent = end;
        return new SequenceDelta(Index, id, delta, FinishReason, StopReason);
    }

    private void Finish(string reason, StopReason stopReason)
    {
        // Cut by max_tokens, a character whose bytes are incomplete shows as U+FFFD; after end-of-sequence they are dropped.
        if (reason == FinishReasons.Length)
        {
            _decoder.Flush(_text);
        }

        FinishReason = reason;
        StopReason = stopReason;
    }

    private void CheckStopStrings(int before)
    {
        var found = -1;
        string? match = null;
        foreach (var stop in _sampling.Stop)
        {
            var from = Math.Max(0, before - stop.Length + 1);
            var at = _text.ToString(from, _text.Length - from).IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (found < 0 || from + at < found))
            {
                found = from + at;
                match = stop;
            }
        }

        if (match is null)
        {
            return;
        }

        _text.Length = _sampling.IncludeStopStrInOutput ? found + match.Length : found;
        _sent = Math.Min(_sent, _text.Length);
        Finish(FinishReasons.Stop, new StopReason(match, null));
    }
}
