using System.Text;
using Aspire70B.Serving.Tokenization;
using CsCheck;

namespace Aspire70B.Simulator.Tests.Tokenization;

public sealed class ApproximateTokenizerTests
{
    private static readonly ApproximateTokenizer Llama3 = new(TokenizerVocabulary.Llama3());
    private static readonly ApproximateTokenizer Llama2 = new(TokenizerVocabulary.Llama2());

    [Theory]
    [InlineData("")]
    [InlineData("Hello, world!")]
    [InlineData("The quick brown fox jumps over the lazy dog.")]
    [InlineData("emoji 😀👍🏽 and family 👨‍👩‍👧")]
    [InlineData("中文分词测试，日本語のテキスト、한국어")]
    [InlineData("tabs\tnew\nlines\r\nnull\0bell\u0007 del\u007f")]
    [InlineData("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>")]
    [InlineData("<|not_a_token|> < <| |> <s> </s> <<SYS>>")]
    [InlineData("combining: e\u0301 and ZWJ\u200d, NBSP\u00a0, BOM\ufeff")]
    [InlineData("   leading and trailing spaces   ")]
    public void DecodingTheTokensOfAnyTextGivesTheTextBack(string text)
    {
        Assert.Equal(text, Llama3.Decode(Llama3.Encode(text, addSpecialTokens: false)));
        Assert.Equal(text, Llama2.Decode(Llama2.Encode(text, addSpecialTokens: false)));
    }

    [Fact]
    public void RandomTextRoundTripsThroughBothVocabularies()
    {
        var random = new Random(1234);
        string[] alphabet = ["a", "Z", " ", "q", "é", "ß", "中", "😀", "\n", "<", "|", ">", "<|eot_id|>", "<s>", "\u0000", "~", "x"];
        for (var i = 0; i < 500; i++)
        {
            var text = new StringBuilder();
            var length = random.Next(0, 40);
            for (var j = 0; j < length; j++)
            {
                text.Append(alphabet[random.Next(alphabet.Length)]);
            }

            var s = text.ToString();
            Assert.Equal(s, Llama3.Decode(Llama3.Encode(s, false)));
            Assert.Equal(s, Llama2.Decode(Llama2.Encode(s, false)));
        }
    }

    [Fact]
    public void CountingIsEncodingWithoutTheIds()
    {
        // Any text of special tokens, markup, ASCII words and pairs, multi-byte and lone surrogates.
        var pieces = Gen.OneOf<string>("<|eot_id|>", "<|begin_of_text|>", "<s>", "<", "|>", " the", "tion", "a", "Z", " ", "\n", "é", "中", "😀", "\ud800", "\udc00", "~", "\u0000");
        pieces.Array[0, 60].Select(p => string.Concat(p)).Sample(text =>
        {
            Assert.Equal(Llama3.Encode(text, addSpecialTokens: false).Count, Llama3.Count(text));
            Assert.Equal(Llama2.Encode(text, addSpecialTokens: false).Count, Llama2.Count(text));
        }, iter: 2000);
    }

    [Fact]
    public void SpecialTokensAreSingleTokensWithLlama3Ids()
    {
        var ids = Llama3.Encode("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|python_tag|><|reserved_special_token_247|>", false);

        Assert.Equal([128000, 128006], ids[..2]);
        Assert.Equal("user", Llama3.Decode([ids[2]]));
        Assert.Equal(128007, ids[3]);
        Assert.Equal("\n\nHi", Llama3.Decode(ids[4..^3]));
        Assert.Equal([128009, 128010, 128255], ids[^3..]);
    }

    [Fact]
    public void AddSpecialTokensPrependsTheModelsBos()
    {
        Assert.Equal(128000, Llama3.Encode("Hi", addSpecialTokens: true)[0]);
        Assert.Equal(1, Llama2.Encode("Hi", addSpecialTokens: true)[0]);
        Assert.Equal("<|begin_of_text|>Hi", Llama3.Decode(Llama3.Encode("Hi", true)));
        Assert.Equal("Hi", Llama3.Decode(Llama3.Encode("Hi", true), skipSpecialTokens: true));
    }

    [Fact]
    public void EnglishProseTakesRoughlyOneTokenPerFourCharacters()
    {
        const string Prose = "When the deployment profile changes, the simulator follows it: the context length, the number of sequences " +
            "that fit in the cache and the speed of decoding all come from the planner, so that a developer without a GPU " +
            "sees the same limits and roughly the same latency as the real server would show in production.";

        var ratio = (double)Prose.Length / Llama3.Encode(Prose, false).Count;

        Assert.InRange(ratio, 3.2, 4.5);
    }

    [Fact]
    public void WordsAndWordPiecesAreGreedyLongestMatches()
    {
        var ids = Llama3.Encode(" the quick zebra", false);

        Assert.Equal([" the", " quick", " zeb", "ra"], ids.Select(id => Llama3.Decode([id])));
    }

    [Fact]
    public void EveryIdStaysInsideTheModelsVocabulary()
    {
        const string Text = "Mixed text: ÄÖÜ, 😀, <s>, Zebra zzz ZZZ {json: [1, 2]}";

        Assert.All(Llama3.Encode(Text, true), id => Assert.InRange(id, 0, 128255));
        Assert.All(Llama2.Encode(Text, true), id => Assert.InRange(id, 0, 31999));
        Assert.True(Llama2.Vocabulary.RegularEnd <= 32000);
        Assert.True(Llama3.Vocabulary.RegularEnd <= 128000);
    }

    [Fact]
    public void AnIdOutsideTheVocabularyIsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Llama3.Decode([128256]));

        Assert.StartsWith("Token id 128256 is out of vocabulary.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IncrementalDecodingHoldsBackSplitCharacters()
    {
        var ids = Llama3.Encode("é", false);
        var decoder = new IncrementalDecoder(Llama3, skipSpecialTokens: true);
        var text = new StringBuilder();

        decoder.Append(ids[0], text);
        Assert.Equal(string.Empty, text.ToString());
        decoder.Append(ids[1], text);
        Assert.Equal("é", text.ToString());
    }
}
