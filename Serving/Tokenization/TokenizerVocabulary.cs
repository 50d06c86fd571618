using System.Text;
using Aspire70B.Serving.Catalogue;

namespace Aspire70B.Serving.Tokenization;

/// <summary>
/// The id layout of the simulated vocabulary, defined by arithmetic rather than by a table: special tokens where the
/// real tokenizer has them, then 256 single-byte tokens, 9,025 printable-ASCII pairs, and as many word pieces
/// (<c>[space][A-Za-z][a-z]{0,2}</c>) and frequent whole words (<see cref="CommonWords"/>) as the model's vocabulary
/// has room for. Immutable and thread-safe.
/// </summary>
internal sealed class TokenizerVocabulary
{
    public const int Llama3VocabSize = 128256;
    public const int PrintableFirst = 0x20;
    public const int PrintableCount = 95;

    private readonly Dictionary<string, int> _specialIds;
    private readonly string?[] _specialText;
    private readonly int _specialFirstId;
    private readonly WordPieceFamily?[] _families = new WordPieceFamily?[4];
    private readonly Dictionary<string, int> _words;
    private readonly int[] _pieceOffsets;
    private readonly byte[] _pieceBytes;

    private TokenizerVocabulary(int vocabSize, IReadOnlyList<(string Text, int Id)> specials, int byteBase, int bosId, int eosId)
    {
        VocabSize = vocabSize;
        ByteBase = byteBase;
        PairBase = byteBase + 256;
        BosId = bosId;
        EosId = eosId;
        BosText = specials.First(s => s.Id == bosId).Text;
        _specialIds = specials.ToDictionary(s => s.Text, s => s.Id, StringComparer.Ordinal);
        SpecialLookup = _specialIds.GetAlternateLookup<ReadOnlySpan<char>>();
        _specialFirstId = specials.Min(s => s.Id);
        _specialText = new string?[specials.Max(s => s.Id) - _specialFirstId + 1];
        foreach (var (text, id) in specials)
        {
            _specialText[id - _specialFirstId] = text;
        }

        SpecialLengths = [.. specials.Select(s => s.Text.Length).Distinct().Order()];

        // Word pieces in priority order; each block is included whole (a family with the longest tail that fits) while it
        // fits below the first special id of a Llama 3 vocabulary, or below the vocabulary size of a Llama 2 one.
        var limit = specials.Any(s => s.Id >= byteBase) ? _specialFirstId : vocabSize;
        var next = PairBase + PrintableCount * PrintableCount;
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        void AddFamily(bool space, bool upper)
        {
            for (var maxTail = 2; maxTail >= 0; maxTail--)
            {
                var family = new WordPieceFamily(next, space, upper, maxTail);
                if (family.End <= limit)
                {
                    _families[FamilyIndex(space, upper)] = family;
                    next = family.End;
                    return;
                }
            }
        }

        void AddWords(Func<string, string> variant)
        {
            if (next + CommonWords.Words.Count <= limit)
            {
                foreach (var word in CommonWords.Words)
                {
                    words[variant(word)] = next++;
                }
            }
        }

        AddFamily(space: true, upper: false);
        AddWords(w => " " + w);
        AddWords(w => w);
        AddWords(w => " " + char.ToUpperInvariant(w[0]) + w[1..]);
        AddFamily(space: false, upper: false);
        AddFamily(space: true, upper: true);
        AddFamily(space: false, upper: true);
        AddWords(w => char.ToUpperInvariant(w[0]) + w[1..]);
        _words = words;
        WordLookup = words.GetAlternateLookup<ReadOnlySpan<char>>();
        MaxWordLength = words.Count == 0 ? 0 : words.Keys.Max(w => w.Length);

        RegularEnd = next;
        (_pieceOffsets, _pieceBytes) = BuildPieces();
    }

    /// <summary>Ids run from 0 to <see cref="VocabSize"/> − 1.</summary>
    public int VocabSize { get; }

    /// <summary>Id of byte 0; byte b is <c>ByteBase + b</c>.</summary>
    public int ByteBase { get; }

    /// <summary>Id of the pair "  " (two spaces).</summary>
    public int PairBase { get; }

    /// <summary>One past the last regular (non-special) id in use.</summary>
    public int RegularEnd { get; }

    public int BosId { get; }

    public string BosText { get; }

    /// <summary>The end-of-sequence token the simulated model emits when it is done.</summary>
    public int EosId { get; }

    public IReadOnlyList<int> SpecialLengths { get; }

    public Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> SpecialLookup { get; }

    /// <summary>Whole words (with their leading space, if any) that are single tokens.</summary>
    public Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> WordLookup { get; }

    /// <summary>The longest entry of <see cref="WordLookup"/>.</summary>
    public int MaxWordLength { get; }

    /// <summary>The vocabulary shaped like <paramref name="model"/>'s: Llama 3's 128,256 ids, else Llama 2's layout.</summary>
    public static TokenizerVocabulary For(ModelArchitecture model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.VocabSize >= Llama3VocabSize ? Llama3(model.VocabSize) : Llama2(model.VocabSize);
    }

    public static TokenizerVocabulary Llama3(int vocabSize = Llama3VocabSize)
    {
        string[] named =
        [
            "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
            "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
            "<|eom_id|>", "<|eot_id|>", "<|python_tag|>",
        ];
        var specials = new List<(string, int)>();
        for (var i = 0; i < named.Length; i++)
        {
            specials.Add((named[i], 128000 + i));
        }

        for (var id = 128000 + named.Length; id < vocabSize; id++)
        {
            specials.Add(($"<|reserved_special_token_{id - 128008}|>", id));
        }

        return new TokenizerVocabulary(vocabSize, specials, byteBase: 0, bosId: 128000, eosId: 128009);
    }

    public static TokenizerVocabulary Llama2(int vocabSize = 32000) =>
        new(vocabSize, [("<unk>", 0), ("<s>", 1), ("</s>", 2)], byteBase: 3, bosId: 1, eosId: 2);

    public bool IsSpecial(int id) => id >= _specialFirstId && id - _specialFirstId < _specialText.Length && _specialText[id - _specialFirstId] is not null;

    public string? SpecialText(int id) => IsSpecial(id) ? _specialText[id - _specialFirstId] : null;

    /// <summary>The bytes a regular token stands for (empty for ids in no family).</summary>
    public ReadOnlySpan<byte> PieceBytes(int id) =>
        id >= 0 && id < RegularEnd ? _pieceBytes.AsSpan(_pieceOffsets[id], _pieceOffsets[id + 1] - _pieceOffsets[id]) : [];

    public WordPieceFamily? Family(bool space, bool upper) => _families[FamilyIndex(space, upper)];

    private static int FamilyIndex(bool space, bool upper) => (space ? 1 : 0) + (upper ? 2 : 0);

    private (int[] Offsets, byte[] Bytes) BuildPieces()
    {
        var wordText = _words.ToDictionary(w => w.Value, w => w.Key);
        var offsets = new int[RegularEnd + 1];
        var bytes = new List<byte>(RegularEnd * 3);
        for (var id = 0; id < RegularEnd; id++)
        {
            offsets[id] = bytes.Count;
            if (IsSpecial(id))
            {
                continue;
            }

            if (id >= ByteBase && id < PairBase)
            {
                bytes.Add((byte)(id - ByteBase));
            }
            else if (id >= PairBase && id < PairBase + PrintableCount * PrintableCount)
            {
                var pair = id - PairBase;
                bytes.Add((byte)(PrintableFirst + pair / PrintableCount));
                bytes.Add((byte)(PrintableFirst + pair % PrintableCount));
            }
            else if (wordText.TryGetValue(id, out var word))
            {
                bytes.AddRange(Encoding.ASCII.GetBytes(word));
            }
            else
            {
                foreach (var family in _families)
                {
                    if (family is not null && id >= family.Base && id < family.End)
                    {
                        bytes.AddRange(Encoding.ASCII.GetBytes(family.TextOf(id)));
                    }
                }
            }
        }

        offsets[RegularEnd] = bytes.Count;
        return (offsets, [.. bytes]);
    }
}

/// <summary>
/// The word pieces <c>[space]?[A-Z or a-z][a-z]{0,MaxTail}</c> of one kind, numbered from <see cref="Base"/>.
/// </summary>
internal sealed class WordPieceFamily
{
    private readonly int _perFirstLetter;

    public WordPieceFamily(int @base, bool space, bool upper, int maxTail)
    {
        Base = @base;
        Space = space;
        Upper = upper;
        MaxTail = maxTail;
        _perFirstLetter = maxTail switch { 0 => 1, 1 => 27, _ => 703 };
        End = Base + 26 * _perFirstLetter;
    }

    public int Base { get; }

    public int End { get; }

    public bool Space { get; }

    public bool Upper { get; }

    public int MaxTail { get; }

    /// <summary>The id of the piece whose letters are <paramref name="letters"/> (first letter, then the tail).</summary>
    public int IdOf(ReadOnlySpan<char> letters)
    {
        var first = char.ToLowerInvariant(letters[0]) - 'a';
        var tail = letters.Length switch
        {
            1 => 0,
            2 => 1 + (letters[1] - 'a'),
            _ => 27 + (letters[1] - 'a') * 26 + (letters[2] - 'a'),
        };
        return Base + first * _perFirstLetter + tail;
    }

    public string TextOf(int id)
    {
        var offset = id - Base;
        var first = (char)((Upper ? 'A' : 'a') + offset / _perFirstLetter);
        var tail = offset % _perFirstLetter;
        var letters = tail switch
        {
            0 => first.ToString(),
            < 27 => string.Concat(first, (char)('a' + tail - 1)),
            _ => string.Concat(first, (char)('a' + (tail - 27) / 26), (char)('a' + (tail - 27) % 26)),
        };
        return Space ? " " + letters : letters;
    }
}
