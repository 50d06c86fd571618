using System.Text.Json;
using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Structured;

/// <summary>
/// Reads a request's structured-output constraint as vLLM 0.11.0 does: <c>structured_outputs</c>
/// (<c>StructuredOutputsParams</c>: one of <c>json</c> — a schema object or its JSON text —, <c>json_object</c>,
/// <c>choice</c>, <c>regex</c>, <c>grammar</c>, <c>structural_tag</c>), and <c>response_format</c>, which
/// <c>to_sampling_params</c> turns into the same (<c>json_object</c> → <c>json_object=True</c>, <c>json_schema</c> →
/// <c>json</c> = its <c>schema</c>) and which wins when both are sent. Pydantic's type errors are request-validation
/// errors; the grammar errors are the engine's <c>ValueError</c>s (400, param null).
/// </summary>
internal static class StructuredOutputsReader
{
    private static readonly string[] Kinds = ["json", "regex", "choice", "grammar", "json_object", "structural_tag"];

    public static OutputConstraint? Read(JsonFields body)
    {
        var fromStructured = body.Get("structured_outputs") is { } structured ? ReadStructured(structured) : null;
        return body.Get("response_format") is { } format ? ReadResponseFormat(format, fromStructured) : fromStructured;
    }

    private static OutputConstraint? ReadStructured(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationError("dataclass_type", ["structured_outputs"], "Input should be a dictionary or an instance of StructuredOutputsParams",
                PythonRepr.Of(value), "{'class_name': 'StructuredOutputsParams'}").ToException();
        }

        var set = Kinds.Where(k => value.TryGetProperty(k, out var v) && v.ValueKind != JsonValueKind.Null).ToList();
        if (set.Count > 1)
        {
            // StructuredOutputsParams.__post_init__; the Simulator names the fields rather than printing the dataclass' __dict__.
            throw RequestValidationError.ValueError(
                $"You can only use one kind of structured outputs constraint but multiple are specified: {string.Join(", ", set)}", value).ToException();
        }

        if (set.Count == 0)
        {
            return null;
        }

        var field = value.GetProperty(set[0]);
        switch (set[0])
        {
            case "json":
                return field.ValueKind switch
                {
                    JsonValueKind.Object => OutputConstraint.Json(field),
                    JsonValueKind.String => OutputConstraint.Json(ParseSchemaText(field.GetString()!)),
                    _ => throw new RequestValidationError("string_type", ["structured_outputs", "json", "str"], "Input should be a valid string", PythonRepr.Of(field)).ToException(),
                };
            case "json_object":
                return field.ValueKind == JsonValueKind.True ? OutputConstraint.JsonObject() : null;
            case "choice":
                if (field.ValueKind != JsonValueKind.Array || field.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String))
                {
                    throw new RequestValidationError("list_type", ["structured_outputs", "choice"], "Input should be a valid list", PythonRepr.Of(field)).ToException();
                }

                return field.GetArrayLength() > 0
                    ? OutputConstraint.Choice([.. field.EnumerateArray().Select(c => c.GetString()!)])
                    : throw new VllmErrorException(VllmError.BadRequest("Grammar error: choice must not be empty"));
            default:
                throw Unsupported(set[0]);
        }
    }

    private static OutputConstraint? ReadResponseFormat(JsonElement format, OutputConstraint? structured)
    {
        var type = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text":
                return structured;
            case "json_object":
                return OutputConstraint.JsonObject();
            case "json_schema":
                if (!format.TryGetProperty("json_schema", out var jsonSchema) || jsonSchema.ValueKind != JsonValueKind.Object)
                {
                    // to_sampling_params asserts json_schema is not None.
                    throw new VllmErrorException(VllmError.BadRequest("response_format.json_schema is required when type is 'json_schema'."));
                }

                if (!jsonSchema.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    throw new RequestValidationError("missing", ["response_format", "ResponseFormat", "json_schema", "name"], "Field required", PythonRepr.Of(jsonSchema)).ToException();
                }

                return jsonSchema.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object
                    ? OutputConstraint.Json(schema)
                    : throw new VllmErrorException(VllmError.BadRequest("No valid structured output parameter found"));
            case "structural_tag":
                throw Unsupported("structural_tag");
            default:
                throw new RequestValidationError("literal_error", ["response_format", "ResponseFormat", "type"], "Input should be 'text', 'json_object' or 'json_schema'",
                    PythonRepr.Of(format), "{'expected': \"'text', 'json_object' or 'json_schema'\"}").ToException();
        }
    }

    private static JsonElement ParseSchemaText(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new VllmErrorException(VllmError.BadRequest("Invalid JSON grammar specification."));
        }
    }

    // vLLM accepts these; the Simulator cannot write text that honours an arbitrary grammar or expression, and says so
    // rather than answering unconstrained.
    private static VllmErrorException Unsupported(string kind) =>
        new(VllmError.BadRequest($"The Simulator does not support structured output '{kind}'; use 'json', 'json_object' or 'choice'."));
}
