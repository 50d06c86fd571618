extern alias JsonSchemaNet;

using System.Text.Json;
using JsonSchemaNet::Json.Schema;

namespace Aspire70B.Simulator.Tests.Structured;

/// <summary>An independent check (JsonSchema.Net) that a JSON text validates against a schema.</summary>
internal static class SchemaValidity
{
    public static void AssertValid(string schema, string json)
    {
        var parsed = JsonSchema.FromText(schema);
        using var document = JsonDocument.Parse(json);
        var result = parsed.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{json}\ndoes not validate against\n{schema}\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}");
    }
}
