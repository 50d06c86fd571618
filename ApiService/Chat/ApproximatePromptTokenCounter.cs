using Aspire70B.Serving.Tokenization;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Counts prompt tokens with the approximate Llama tokenizer, scaled down so that the gateway refuses only prompts
/// that are certainly too long: the approximation can overcount code and markup by a fifth, and a false refusal is
/// worse than letting the model server's own check (whose 400 is passed on) decide a borderline case.
/// </summary>
internal sealed class ApproximatePromptTokenCounter(GatewayDeployment deployment) : IPromptTokenCounter
{
    /// <summary>The share of the approximate count taken as a lower bound.</summary>
    public const double LowerBoundFactor = 0.8;

    private readonly ApproximateTokenizer _tokenizer = new(TokenizerVocabulary.For(deployment.Profile.Model));

    public int Count(string prompt) => (int)Math.Floor(_tokenizer.Count(prompt) * LowerBoundFactor);
}
