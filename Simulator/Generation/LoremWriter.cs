using System.Text;

namespace Aspire70B.Simulator.Generation;

/// <summary>Readable filler: sentences of lorem ipsum, chosen by a seeded generator. Not thread-safe.</summary>
internal sealed class LoremWriter(SplitMix64 random)
{
    private static readonly string[] Words =
    [
        "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod",
        "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim", "ad", "minim", "veniam",
        "quis", "nostrud", "exercitation", "ullamco", "laboris", "nisi", "aliquip", "ex", "ea", "commodo",
        "consequat", "duis", "aute", "irure", "in", "reprehenderit", "voluptate", "velit", "esse", "cillum", "eu",
        "fugiat", "nulla", "pariatur", "excepteur", "sint", "occaecat", "cupidatat", "non", "proident", "sunt",
        "culpa", "qui", "officia", "deserunt", "mollit", "anim", "id", "est", "laborum",
    ];

    /// <summary>One sentence: a capitalised first word, 6–14 words, a comma now and then, a full stop.</summary>
    public string Sentence()
    {
        var text = new StringBuilder();
        var count = random.Next(6, 15);
        for (var i = 0; i < count; i++)
        {
            var word = Words[random.Next(0, Words.Length)];
            if (i == 0)
            {
                text.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
            }
            else
            {
                text.Append(' ').Append(word);
            }

            if (i > 0 && i < count - 2 && random.Next(0, 8) == 0)
            {
                text.Append(',');
            }
        }

        return text.Append('.').ToString();
    }

    /// <summary><paramref name="sentences"/> sentences separated by spaces.</summary>
    public string Paragraph(int sentences)
    {
        var text = new StringBuilder();
        for (var i = 0; i < sentences; i++)
        {
            if (i > 0)
            {
                text.Append(' ');
            }

            text.Append(Sentence());
        }

        return text.ToString();
    }
}
