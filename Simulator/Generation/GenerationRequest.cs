namespace Aspire70B.Simulator.Generation;

/// <summary>One prompt of a request, as text and as the tokens the engine sees.</summary>
internal sealed record PromptInput(string Text, IReadOnlyList<int> Tokens);

/// <summary>What the engine is asked to generate: <c>n</c> sequences for each prompt.</summary>
internal sealed record GenerationRequest(IReadOnlyList<PromptInput> Prompts, SamplingSettings Sampling)
{
    /// <summary>The completion text a test scripted (<c>X-Sim-Completion</c>), instead of the mode's.</summary>
    public string? ScriptedText { get; init; }

    /// <summary>Isolates prefix-cache sharing (<c>cache_salt</c>).</summary>
    public string? CacheSalt { get; init; }

    /// <summary>Injected delay before the prefill (<c>X-Sim-Delay-Ms</c>).</summary>
    public int ExtraDelayMilliseconds { get; init; }

    /// <summary>The request's own <c>max_tokens</c> (or <c>max_completion_tokens</c>), null when it left it unset.</summary>
    public long? MaxTokensParam { get; init; }

    /// <summary>What structured outputs constrain the text to, if anything.</summary>
    public Structured.OutputConstraint? Constraint { get; init; }

    /// <summary>Whether a prompt that offers functions gets a call on the user's turn (Llama 3.1 JSON tool calls).</summary>
    public bool AutoToolCalls { get; init; } = true;

    public int PromptTokens => Prompts.Sum(p => p.Tokens.Count);
}
