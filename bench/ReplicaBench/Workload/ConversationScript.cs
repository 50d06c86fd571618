using System.Globalization;
using System.Text;

namespace Aspire70B.ReplicaBench.Workload;

/// <summary>
/// The workload's text, deterministic for a seed: a few long system prompts shared by many users (a team's assistants:
/// policies, glossary, examples), and user turns of 100–300 tokens. English-like prose, so the Simulator's tokenizer
/// counts about 4 characters a token, as it would for real prompts. Immutable after construction; thread-safe.
/// </summary>
internal sealed class ConversationScript
{
    private static readonly string[] Words =
    [
        "the", "service", "request", "customer", "order", "invoice", "team", "report", "policy", "data", "model",
        "answer", "question", "account", "review", "update", "release", "budget", "project", "schedule", "meeting",
        "summary", "contract", "payment", "delivery", "support", "ticket", "issue", "change", "risk", "plan", "quality",
        "should", "must", "never", "always", "when", "before", "after", "because", "which", "every", "only", "also",
        "please", "check", "write", "explain", "compare", "describe", "list", "keep", "short", "clear", "formal",
        "internal", "external", "weekly", "monthly", "quarterly", "first", "second", "final", "draft", "approved",
        "pending", "region", "north", "south", "east", "west", "product", "feature", "migration", "database", "cluster",
        "latency", "capacity", "incident", "owner", "deadline", "priority", "context", "history", "example", "format",
    ];

    private readonly string[] _systemPrompts;

    public ConversationScript(int systemPrompts, int systemPromptChars, int seed)
    {
        var random = new Random(seed);
        _systemPrompts = [.. Enumerable.Range(0, systemPrompts).Select(i => SystemPrompt(i, systemPromptChars, random))];
    }

    public IReadOnlyList<string> SystemPrompts => _systemPrompts;

    /// <summary>A user's message of 400–1,200 characters (about 100–300 tokens), drawn from <paramref name="random"/>.</summary>
    public static string UserTurn(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var text = new StringBuilder(1300);
        var target = random.Next(400, 1200);
        text.Append(CultureInfo.InvariantCulture, $"Ticket {random.Next(10_000, 99_999)}: ");
        while (text.Length < target)
        {
            Sentence(text, random);
        }

        return text.ToString();
    }

    private static string SystemPrompt(int index, int chars, Random random)
    {
        var text = new StringBuilder(chars + 200);
        text.Append(CultureInfo.InvariantCulture, $"You are assistant {index + 1} of the operations team. Follow the rules below in every answer.\n");
        for (var rule = 1; text.Length < chars; rule++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Rule {rule}. ");
            Sentence(text, random);
            Sentence(text, random);
            text.Append('\n');
        }

        return text.ToString();
    }

    private static void Sentence(StringBuilder text, Random random)
    {
        var words = random.Next(8, 18);
        for (var i = 0; i < words; i++)
        {
            var word = Words[random.Next(Words.Length)];
            text.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
            text.Append(i == words - 1 ? ". " : " ");
        }
    }
}
