using System.Text.Json;
using Aspire70B.Serving.Templates.Python;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Structured;

/// <summary>
/// Recognises the schema vLLM builds for <c>tool_choice: "required"</c> (an array, <c>minItems</c> 1, of objects whose
/// <c>anyOf</c> has one branch per tool: <c>name</c> fixed by a one-value <c>enum</c>, <c>parameters</c> the tool's
/// schema), so that the simulated model calls the functions the user named (several: parallel calls), or one of them,
/// rather than a random list.
/// </summary>
internal sealed class ToolArraySchema
{
    private readonly List<(string Name, JsonElement Branch)> _tools;

    private ToolArraySchema(List<(string Name, JsonElement Branch)> tools) => _tools = tools;

    public static ToolArraySchema? Read(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !IsString(schema, "type", "array")
            || !schema.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Object
            || !items.TryGetProperty("anyOf", out var anyOf) || anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
        {
            return null;
        }

        var tools = new List<(string, JsonElement)>();
        foreach (var branch in anyOf.EnumerateArray())
        {
            if (branch.ValueKind != JsonValueKind.Object || !branch.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object
                || !properties.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.Object
                || !name.TryGetProperty("enum", out var names) || names.ValueKind != JsonValueKind.Array || names.GetArrayLength() != 1
                || names[0].ValueKind != JsonValueKind.String || !properties.TryGetProperty("parameters", out _))
            {
                return null;
            }

            tools.Add((names[0].GetString()!, branch));
        }

        return new ToolArraySchema(tools);
    }

    public PyList Sample(JsonElement root, SplitMix64 random, ToolPrompt? prompt)
    {
        var sampler = new JsonSchemaSampler(root, random);
        var named = prompt?.NamedIn(_tools.Select(t => t.Name)) ?? [];
        var chosen = named.Count > 0 ? [.. _tools.Where(t => named.Contains(t.Name)).OrderBy(t => named.ToList().IndexOf(t.Name))] : new List<(string Name, JsonElement Branch)> { _tools[random.Next(0, _tools.Count)] };
        var calls = new PyList();
        foreach (var (_, branch) in chosen)
        {
            // The branch fixes the name; its other members (parameters) come from the branch's own schema.
            calls.Add(sampler.Sample(branch));
        }

        return calls;
    }

    private static bool IsString(JsonElement element, string name, string value) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() == value;
}
