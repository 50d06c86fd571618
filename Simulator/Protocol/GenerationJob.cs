using Aspire70B.Simulator.Faults;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Protocol;

/// <summary>A checked request, ready to run: what to generate, and how to answer.</summary>
internal sealed record GenerationJob(
    ResponseContext Context,
    GenerationRequest Request,
    GenerationParameters Parameters,
    IResponseShape Shape,
    FaultPlan Faults)
{
    public int Choices => Request.Prompts.Count * Request.Sampling.N;

    /// <summary>Prompt tokens of the prompt choice <paramref name="index"/> answers.</summary>
    public int PromptTokensOf(int index) => Request.Prompts[index / Request.Sampling.N].Tokens.Count;
}
