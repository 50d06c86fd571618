using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Options;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Generation;

/// <summary>
/// Decides what each sequence says. With temperature 0 the words depend only on the prompt and the server's seed
/// (every choice alike, as greedy decoding would be); with a request seed, on the prompt, the seed and the choice;
/// otherwise they are random. Thread-safe.
/// </summary>
internal sealed class ModelVoice(SimulatedDeployment deployment, IOptions<SimulatorOptions> options)
{
    private readonly SimulatorOptions _options = options.Value;

    public Sequence[] CreateSequences(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var n = request.Sampling.N;
        var sequences = new Sequence[request.Prompts.Count * n];
        for (var p = 0; p < request.Prompts.Count; p++)
        {
            var prompt = request.Prompts[p];
            for (var i = 0; i < n; i++)
            {
                var random = new SplitMix64(SeedFor(request.Sampling, prompt, i));
                var text = request.ScriptedText ?? ConstrainedText(request, prompt, random) ?? NaturalText(prompt, random);
                var source = new TokenSource(text, deployment.Tokenizer, random);
                sequences[p * n + i] = new Sequence(p * n + i, p, source, request.Sampling, deployment.Tokenizer);
            }
        }

        return sequences;
    }

    private static string? ConstrainedText(GenerationRequest request, PromptInput prompt, SplitMix64 random)
    {
        if (request.Constraint is { } constraint)
        {
            return constraint.Write(random, ToolPrompt.Read(prompt.Text));
        }

        var tools = ToolPrompt.Read(prompt.Text);
        return ToolTurn.Write(tools, random, request.AutoToolCalls);
    }

    private string NaturalText(PromptInput prompt, SplitMix64 random)
    {
        if (_options.Mode == SimulatorMode.Echo && LastUserTurn.Of(prompt.Text) is { Length: > 0 } echo)
        {
            return echo;
        }

        return new LoremWriter(random).Paragraph(random.Next(1, 6));
    }

    private ulong SeedFor(SamplingSettings sampling, PromptInput prompt, int choice)
    {
        if (sampling.Temperature > 0 && sampling.Seed is null)
        {
            return (ulong)Random.Shared.NextInt64();
        }

        var hash = StableHash.Add(StableHash.Start(null), _options.Seed);
        foreach (var token in prompt.Tokens)
        {
            hash = StableHash.Add(hash, token);
        }

        return sampling.Temperature > 0 ? StableHash.Add(StableHash.Add(hash, sampling.Seed!.Value), choice) : hash;
    }
}
