using Aspire70B.Serving.Templates.Jinja;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates;

/// <summary>
/// A chat template given as Jinja source, rendered with the variables Hugging Face passes to it: <c>messages</c>,
/// <c>tools</c>, <c>documents</c>, <c>add_generation_prompt</c>, the tokenizer's special tokens and the request's
/// <c>chat_template_kwargs</c>.
/// </summary>
internal sealed class JinjaChatTemplate : IChatTemplate
{
    private readonly JinjaTemplate _template;
    private readonly IReadOnlyDictionary<string, object?> _tokenizerVariables;
    private readonly SpecialTokenVocabulary _vocabulary;
    private readonly bool _parsesToolCalls;

    public JinjaChatTemplate(
        string id,
        string source,
        IReadOnlyDictionary<string, string> specialTokensMap,
        IReadOnlyList<int> stopTokenIds,
        IEnumerable<string> specialTokens,
        bool parsesToolCalls)
    {
        Id = id;
        _template = JinjaTemplate.Parse(source);
        _tokenizerVariables = specialTokensMap.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal);
        BosToken = specialTokensMap["bos_token"];
        EosToken = specialTokensMap["eos_token"];
        StopTokenIds = stopTokenIds;
        _vocabulary = new SpecialTokenVocabulary(specialTokens);
        _parsesToolCalls = parsesToolCalls;
    }

    public string Id { get; }

    public string BosToken { get; }

    public string EosToken { get; }

    public IReadOnlyList<int> StopTokenIds { get; }

    public IReadOnlyList<string> SpecialTokens => _vocabulary.Tokens;

    public string Render(ChatTemplateRequest request, SpecialTokenPolicy policy = SpecialTokenPolicy.Reject)
    {
        ArgumentNullException.ThrowIfNull(request);
        var input = SpecialTokenGuard.Apply(request, _vocabulary, policy);
        var variables = new Dictionary<string, object?>(_tokenizerVariables, StringComparer.Ordinal)
        {
            ["messages"] = input.Messages,
            ["tools"] = input.Tools,
            ["documents"] = null,
            ["add_generation_prompt"] = request.AddGenerationPrompt,
        };
        foreach (var (name, value) in input.TemplateKwargs)
        {
            variables[name] = value;
        }

        var prompt = _template.Render(variables);
        if (!request.ContinueFinalMessage)
        {
            return prompt;
        }

        if (input.Messages.Count == 0 || input.Messages[^1] is not PyDict final || !final.TryGetValue("content", out var content) || content is not string text)
        {
            throw new InvalidChatRequestException("continue_final_message needs a final message whose content is text.");
        }

        return FinalMessagePrefill.Cut(prompt, text);
    }

    public ModelOutputParser CreateOutputParser(IReadOnlyCollection<string> offeredToolNames) =>
        new(_parsesToolCalls, offeredToolNames);

    public override string ToString() => Id;
}
