using Aspire70B.Serving.Templates.Python;
using Aspire70B.Simulator.Structured;

namespace Aspire70B.Simulator.Generation;

/// <summary>
/// What the simulated Llama 3.1 says on a turn that involves tools, unconstrained (tool_choice "auto"): after the user
/// spoke with functions on offer, a JSON call <c>{"name": …, "parameters": {…}}</c> to each offered function the user
/// named (several are separated by <c>; </c>), or to one of them chosen by the seed, with arguments valid for the
/// function's schema; right after tool results, prose that quotes them. Null when neither applies.
/// </summary>
internal static class ToolTurn
{
    public static string? Write(ToolPrompt prompt, SplitMix64 random, bool callTools)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.AnswersToolResults)
        {
            return prompt.ToolResults.Count == 1
                ? $"The tool returned: {prompt.ToolResults[0]}"
                : "The tools returned: " + string.Join("; ", prompt.ToolResults);
        }

        if (!callTools || !prompt.AsksForCall)
        {
            return null;
        }

        var named = prompt.NamedIn(prompt.Functions.Select(f => f.Name));
        var chosen = named.Count > 0
            ? [.. named.Select(n => prompt.Functions.First(f => f.Name == n))]
            : new List<OfferedFunction> { prompt.Functions[random.Next(0, prompt.Functions.Count)] };
        var calls = new List<string>();
        foreach (var function in chosen)
        {
            object? arguments;
            try
            {
                arguments = new JsonSchemaSampler(function.Parameters, random).Sample();
            }
            catch (SchemaException)
            {
                // A schema the Simulator cannot satisfy: the model would improvise; the Simulator leaves the call out.
                continue;
            }

            var call = new PyDict();
            call.Set("name", function.Name);
            call.Set("parameters", arguments);
            calls.Add(PyJson.Dumps(call, JsonFormat.Default));
        }

        return calls.Count > 0 ? string.Join("; ", calls) : null;
    }
}
