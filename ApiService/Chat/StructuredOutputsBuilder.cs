using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire70B.ApiService.Errors;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// The <c>structured_outputs</c> field of the <c>/v1/completions</c> call, built as vLLM 0.11's own chat endpoint builds
/// its constraint (<c>ChatCompletionRequest._get_json_schema_from_tool</c> and <c>to_sampling_params</c>): for a named
/// function, <c>{"json": its parameters}</c>; for <c>required</c>, <c>{"json": an array (minItems 1) of objects whose
/// anyOf has one {name: enum [name], parameters} branch per tool}</c> with the tools' <c>$defs</c> hoisted to the root;
/// for <c>response_format</c>, <c>{"json_object": true}</c> or <c>{"json": its schema}</c>. A tool constraint wins
/// over <c>response_format</c>, as in vLLM.
/// </summary>
internal static class StructuredOutputsBuilder
{
    public static string? Build(JsonElement? tools, ToolChoice choice, JsonElement? responseFormat)
    {
        JsonNode? constraint = choice.Mode switch
        {
            ToolChoiceMode.Function => new JsonObject { ["json"] = Parameters(FindTool(tools!.Value, choice.FunctionName!)) },
            ToolChoiceMode.Required => new JsonObject { ["json"] = RequiredSchema(tools!.Value) },
            _ => ResponseFormat(responseFormat),
        };
        return constraint?.ToJsonString();
    }

    private static JsonObject? ResponseFormat(JsonElement? format)
    {
        if (format is not { ValueKind: JsonValueKind.Object } f || !f.TryGetProperty("type", out var type))
        {
            return null;
        }

        return type.GetString() switch
        {
            "json_object" => new JsonObject { ["json_object"] = true },
            "json_schema" => new JsonObject { ["json"] = JsonNode.Parse(f.GetProperty("json_schema").GetProperty("schema").GetRawText()) },
            _ => null,
        };
    }

    private static JsonObject RequiredSchema(JsonElement tools)
    {
        var branches = new JsonArray();
        var defs = new JsonObject();
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            // Read before the template checks the tools: a malformed one is the template's 400, not a crash here.
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var toolName) || toolName.ValueKind != JsonValueKind.String)
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest($"tools[{index}] must be an object with a 'function' that has a string 'name'.", "tools"));
            }

            index++;
            var parameters = Parameters(function);
            if (parameters["$defs"] is JsonObject own)
            {
                parameters.Remove("$defs");
                foreach (var (name, schema) in own.ToList())
                {
                    if (defs[name] is { } existing && !JsonNode.DeepEquals(existing, schema))
                    {
                        throw new OpenAIErrorException(OpenAIError.BadRequest($"Tool definition '{name}' has multiple schemas, which is not supported.", "tools"));
                    }

                    own.Remove(name);
                    defs[name] = schema;
                }
            }

            branches.Add(new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["name"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(function.GetProperty("name").GetString()) },
                    ["parameters"] = parameters,
                },
                ["required"] = new JsonArray("name", "parameters"),
            });
        }

        var schemaObject = new JsonObject
        {
            ["type"] = "array",
            ["minItems"] = 1,
            ["items"] = new JsonObject { ["type"] = "object", ["anyOf"] = branches },
        };
        if (defs.Count > 0)
        {
            schemaObject["$defs"] = defs;
        }

        return schemaObject;
    }

    private static JsonElement FindTool(JsonElement tools, string name) =>
        tools.EnumerateArray().Select(t => t.GetProperty("function")).First(f => f.GetProperty("name").GetString() == name);

    // A function without parameters (or with {}) takes none: the model must write an empty object.
    private static JsonObject Parameters(JsonElement function) =>
        function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object && parameters.EnumerateObject().Any()
            ? JsonNode.Parse(parameters.GetRawText())!.AsObject()
            : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
}
