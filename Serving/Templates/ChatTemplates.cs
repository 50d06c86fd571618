using System.Diagnostics.CodeAnalysis;

namespace Aspire70B.Serving.Templates;

/// <summary>The chat templates this gateway serves, by the id a deployment profile names. Thread-safe.</summary>
public static class ChatTemplates
{
    /// <summary>Meta Llama 3.1 Instruct (8B/70B/405B): header tokens, JSON tool calls, <c>ipython</c> tool results.</summary>
    public const string Llama31Instruct = "llama-3.1-instruct";

    /// <summary>Meta Llama 2 Chat: <c>[INST]</c> turns with an optional <c>&lt;&lt;SYS&gt;&gt;</c> block, no tools.</summary>
    public const string Llama2Chat = "llama-2-chat";

    private static readonly Dictionary<string, IChatTemplate> Templates = new IChatTemplate[]
    {
        new JinjaChatTemplate(
            Llama31Instruct,
            TemplateSources.Llama31Instruct,
            new Dictionary<string, string> { ["bos_token"] = "<|begin_of_text|>", ["eos_token"] = "<|eot_id|>" },
            stopTokenIds: [128001, 128008, 128009],
            specialTokens: Llama3SpecialTokens(),
            parsesToolCalls: true),
        new JinjaChatTemplate(
            Llama2Chat,
            TemplateSources.Llama2Chat,
            new Dictionary<string, string> { ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["unk_token"] = "<unk>" },
            stopTokenIds: [2],
            // <s>, </s> and <unk> are the tokenizer's special tokens. Llama 2 spells its turn structure in plain text, so
            // the markers are covered too: a client who writes "[/INST]" or "<<SYS>>" forges a turn as surely as with a token.
            specialTokens: ["<s>", "</s>", "<unk>", "[INST]", "[/INST]", "<<SYS>>", "<</SYS>>"],
            parsesToolCalls: false),
    }.ToDictionary(t => t.Id, StringComparer.Ordinal);

    /// <summary>The ids of all templates, in a stable order.</summary>
    public static IReadOnlyList<string> Ids { get; } = [Llama31Instruct, Llama2Chat];

    /// <summary>The template with <paramref name="id"/>.</summary>
    /// <exception cref="KeyNotFoundException">No template has that id; the message lists the valid ones.</exception>
    public static IChatTemplate Get(string id) =>
        TryGet(id, out var template)
            ? template
            : throw new KeyNotFoundException($"Unknown chat template '{id}'. Valid ids: {string.Join(", ", Ids)}.");

    /// <summary>Looks up the template with <paramref name="id"/>.</summary>
    public static bool TryGet(string id, [NotNullWhen(true)] out IChatTemplate? template)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Templates.TryGetValue(id, out template);
    }

    // Llama 3's 256 special tokens (ids 128000-128255): the named ones and reserved_special_token_0 ... _247.
    private static IEnumerable<string> Llama3SpecialTokens()
    {
        string[] named =
        [
            "<|begin_of_text|>", "<|end_of_text|>", "<|finetune_right_pad_id|>", "<|start_header_id|>", "<|end_header_id|>",
            "<|eom_id|>", "<|eot_id|>", "<|python_tag|>",
        ];
        return named.Concat(Enumerable.Range(0, 248).Select(n => $"<|reserved_special_token_{n}|>"));
    }
}
