namespace Aspire70B.Serving.Templates;

/// <summary>
/// A model's chat format: turns a chat request into the exact prompt text (byte for byte what Hugging Face's
/// <c>apply_chat_template</c> produces behind vLLM), and the model's output back into OpenAI content or tool calls.
/// Implementations are immutable and thread-safe. Get one from <see cref="ChatTemplates"/>.
/// </summary>
public interface IChatTemplate
{
    /// <summary>The id a deployment profile names, such as <c>llama-3.1-instruct</c>.</summary>
    string Id { get; }

    /// <summary>The beginning-of-sequence token the prompt starts with (send the prompt with <c>add_special_tokens: false</c>).</summary>
    string BosToken { get; }

    /// <summary>The tokenizer's end-of-sequence token.</summary>
    string EosToken { get; }

    /// <summary>The token ids that end the model's turn: pass them to the backend as <c>stop_token_ids</c>.</summary>
    IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>The special-token spellings the <see cref="SpecialTokenPolicy"/> looks for in request text.</summary>
    IReadOnlyList<string> SpecialTokens { get; }

    /// <summary>Renders <paramref name="request"/> into the prompt.</summary>
    /// <exception cref="ChatTemplateException">The template refused the conversation; the message is the template's own.</exception>
    /// <exception cref="SpecialTokenException">Request text spells a special token and <paramref name="policy"/> is <see cref="SpecialTokenPolicy.Reject"/>.</exception>
    string Render(ChatTemplateRequest request, SpecialTokenPolicy policy = SpecialTokenPolicy.Reject);

    /// <summary>Starts reading one response (streamed or not); <paramref name="offeredToolNames"/> are the functions it may call.</summary>
    ModelOutputParser CreateOutputParser(IReadOnlyCollection<string> offeredToolNames);
}
