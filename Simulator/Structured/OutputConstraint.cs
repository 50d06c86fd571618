using System.Text.Json;
using Aspire70B.Serving.Templates.Python;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Structured;

/// <summary>
/// A request's structured-output constraint (vLLM's <c>StructuredOutputsParams</c>, from <c>structured_outputs</c> or
/// <c>response_format</c>) and the text a model decoding under it writes: a schema-valid JSON value, any JSON object, or
/// one of the choices. Immutable and thread-safe; <see cref="Write"/> uses only the generator it is given.
/// </summary>
internal sealed class OutputConstraint
{
    private static readonly JsonElement AnyValue = JsonDocument.Parse("true").RootElement.Clone();

    private OutputConstraint(string kind, JsonElement schema, IReadOnlyList<string> choices)
    {
        Kind = kind;
        Schema = schema;
        Choices = choices;
    }

    /// <summary><c>json</c>, <c>json_object</c> or <c>choice</c>: the field of <c>structured_outputs</c> it came from.</summary>
    public string Kind { get; }

    public JsonElement Schema { get; }

    public IReadOnlyList<string> Choices { get; }

    public static OutputConstraint Json(JsonElement schema) => new("json", schema.Clone(), []);

    public static OutputConstraint JsonObject() => new("json_object", default, []);

    public static OutputConstraint Choice(IReadOnlyList<string> choices) => new("choice", default, choices);

    /// <summary>
    /// Checks that a value can be produced, as vLLM compiles the grammar before it schedules the request: a schema
    /// that is malformed or beyond the Simulator throws <see cref="SchemaException"/>.
    /// </summary>
    public void Validate()
    {
        if (Kind != "json")
        {
            return;
        }

        // Different seeds take different branches (anyOf, optional members), so a fault off the first path shows too.
        for (ulong seed = 0; seed < 8; seed++)
        {
            Write(new SplitMix64(seed), null);
        }
    }

    /// <summary>The constrained completion text.</summary>
    public string Write(SplitMix64 random, ToolPrompt? prompt)
    {
        ArgumentNullException.ThrowIfNull(random);
        switch (Kind)
        {
            case "choice":
                return Choices[random.Next(0, Choices.Count)];
            case "json_object":
                var value = new PyDict();
                var sampler = new JsonSchemaSampler(AnyValue, random);
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    value.Set((string)sampler.Sample()!, sampler.Sample());
                }

                return PyJson.Dumps(value, JsonFormat.Default);
            default:
                var tools = ToolArraySchema.Read(Schema);
                return PyJson.Dumps(tools is null ? new JsonSchemaSampler(Schema, random).Sample() : tools.Sample(Schema, random, prompt), JsonFormat.Default);
        }
    }
}
