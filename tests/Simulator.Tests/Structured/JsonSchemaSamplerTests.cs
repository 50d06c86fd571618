using System.Globalization;
using System.Text.Json;
using Aspire70B.Serving.Templates.Python;
using Aspire70B.Simulator.Generation;
using Aspire70B.Simulator.Structured;
using CsCheck;

namespace Aspire70B.Simulator.Tests.Structured;

/// <summary>The values the simulated model writes under a JSON-schema constraint validate against the schema.</summary>
public sealed class JsonSchemaSamplerTests
{
    private static string Sample(string schema, ulong seed)
    {
        using var document = JsonDocument.Parse(schema);
        return PyJson.Dumps(new JsonSchemaSampler(document.RootElement, new SplitMix64(seed)).Sample(), JsonFormat.Default);
    }

    // Random schemas of the shapes tools and response formats use: scalars with bounds, enums, nested objects with
    // required and optional members, arrays with item counts, nullable types, anyOf and $defs references.
    private static readonly Gen<string> Leaf = Gen.OneOf(
        Gen.Int[0, 20].Select(min => $$"""{"type": "string", "minLength": {{min}}, "maxLength": {{min + 12}}}"""),
        Gen.Const("""{"type": "string", "format": "date-time"}"""),
        Gen.Const("""{"type": "string", "format": "email"}"""),
        Gen.Int[-50, 50].SelectMany(min => Gen.Int[0, 40].Select(width => $$"""{"type": "integer", "minimum": {{min}}, "maximum": {{min + width}}}""")),
        Gen.Int[1, 7].Select(step => $$"""{"type": "integer", "multipleOf": {{step}}, "exclusiveMinimum": 3}"""),
        Gen.Int[-40, 40].Select(quarters => string.Create(CultureInfo.InvariantCulture, $"{{\"type\": \"number\", \"exclusiveMinimum\": {quarters / 4.0}, \"exclusiveMaximum\": {quarters / 4.0 + 1}}}")),
        Gen.Const("""{"type": "boolean"}"""),
        Gen.Const("""{"type": ["string", "null"]}"""),
        Gen.Const("""{"enum": ["celsius", "fahrenheit", 3, null]}"""),
        Gen.Const("""{"const": "fixed"}"""),
        Gen.Const("""{"$ref": "#/$defs/unit"}"""));

    private static Gen<string> SchemaOf(int depth) => depth == 0 ? Leaf : Gen.Frequency(
        (3, Leaf),
        (2, Gen.Int[1, 4].SelectMany(n => SchemaOf(depth - 1).Array[n].SelectMany(members => Gen.Bool.Array[n].Select(required =>
        {
            var properties = string.Join(", ", members.Select((m, i) => $"\"p{i}\": {m}"));
            var names = string.Join(", ", Enumerable.Range(0, n).Where(i => required[i]).Select(i => $"\"p{i}\""));
            return "{\"type\": \"object\", \"properties\": {" + properties + "}, \"required\": [" + names + "], \"additionalProperties\": false}";
        })))),
        (1, SchemaOf(depth - 1).SelectMany(items => Gen.Int[0, 3].Select(min => $$"""{"type": "array", "items": {{items}}, "minItems": {{min}}, "maxItems": {{min + 2}}}"""))),
        (1, SchemaOf(depth - 1).SelectMany(a => SchemaOf(depth - 1).Select(b => $$"""{"anyOf": [{{a}}, {{b}}]}"""))));

    // The generated schemas refer to "#/$defs/unit"; a one-branch anyOf puts them under a root that defines it.
    private static string WithDefs(string schema) =>
        """{"$defs": {"unit": {"type": "string", "enum": ["c", "f"]}}, "anyOf": [""" + schema + "]}";

    [Fact]
    public void EverySampledValueValidatesAgainstItsSchema()
    {
        Gen.Select(SchemaOf(3), Gen.ULong).Sample((schema, seed) =>
        {
            var full = WithDefs(schema);
            SchemaValidity.AssertValid(full, Sample(full, seed));
        }, iter: 400);
    }

    [Fact]
    public void TheSameSeedGivesTheSameValue()
    {
        Gen.Select(SchemaOf(3), Gen.ULong).Sample((schema, seed) => Sample(WithDefs(schema), seed) == Sample(WithDefs(schema), seed), iter: 100);
    }

    [Fact]
    public void AToolsSchemaGetsItsRequiredMembersWithTheirTypesAndEnums()
    {
        const string Schema = """
            {"type": "object", "properties": {
              "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
              "days": {"type": "integer", "minimum": 1, "maximum": 7},
              "where": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}, "required": ["lat", "lon"]},
              "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2}},
             "required": ["city", "unit", "days", "where", "tags"]}
            """;

        for (ulong seed = 0; seed < 50; seed++)
        {
            var value = Sample(Schema, seed);
            SchemaValidity.AssertValid(Schema, value);
            using var parsed = JsonDocument.Parse(value);
            Assert.Equal(["city", "unit", "days", "where", "tags"], parsed.RootElement.EnumerateObject().Select(p => p.Name));
        }

        Assert.Equal("""{"city": "willow", "unit": "fahrenheit", "days": 1, "where": {"lat": -75.0, "lon": -50.0}, "tags": ["river", "maple"]}""", Sample(Schema, 42));
    }

    [Theory]
    [InlineData("""{"type": "strin"}""", "unknown type \"strin\"")]
    [InlineData("""{"type": "object", "properties": []}""", "'properties' must be an object")]
    [InlineData("""{"type": "object", "required": "city"}""", "'required' must be an array of property names")]
    [InlineData("""{"enum": []}""", "'enum' must be a non-empty array")]
    [InlineData("""{"type": "array", "minItems": 3, "maxItems": 1}""", "maxItems 1 is below minItems 3")]
    [InlineData("""{"type": "integer", "minimum": 5, "maximum": 4}""", "no integer lies between 5 and 4")]
    [InlineData("""{"$ref": "#/$defs/missing"}""", "'$ref' #/$defs/missing does not resolve")]
    [InlineData("""{"type": "string", "pattern": "^[a-z]+$"}""", "the Simulator does not generate text for regular expressions ('pattern', 'patternProperties')")]
    [InlineData("false", "the schema 'false' admits no value")]
    public void AMalformedOrUnsupportedSchemaIsRefusedWithItsReason(string schema, string reason)
    {
        var error = Assert.Throws<SchemaException>(() => Sample(schema, 1));
        Assert.Equal(reason, error.Message);
    }
}
