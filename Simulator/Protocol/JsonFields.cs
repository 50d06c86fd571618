using System.Globalization;
using System.Text.Json;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// Reads the fields of a request body with pydantic's lax typing (an integral float is an int, an int is a float),
/// turning a wrong type into the request-validation error vLLM 0.11.0 answers (pydantic's error type, loc and msg).
/// </summary>
internal readonly struct JsonFields
{
    private readonly JsonElement _body;

    public JsonFields(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationError("model_attributes_type", [], "Input should be a valid dictionary or object to extract fields from", PythonRepr.Of(body)).ToException();
        }

        _body = body;
    }

    public JsonElement Body => _body;

    public bool Has(string name) => _body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement? Get(string name) =>
        _body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string? String(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid(name, value, "string_type", "Input should be a valid string");
    }

    public bool? Bool(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when value.TryGetInt32(out var i) && i is 0 or 1 => i == 1,
            JsonValueKind.String => throw Invalid(name, value, "bool_parsing", "Input should be a valid boolean, unable to interpret input"),
            _ => throw Invalid(name, value, "bool_type", "Input should be a valid boolean"),
        };
    }

    public long? Integer(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return AsInteger(value) ?? throw IntegerError([name], value);
    }

    public double? Number(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.String => throw Invalid(name, value, "float_parsing", "Input should be a valid number, unable to parse string as a number"),
            _ => throw Invalid(name, value, "float_type", "Input should be a valid number"),
        };
    }

    /// <summary>A string or a list of strings (<c>stop</c>).</summary>
    public IReadOnlyList<string> StringOrList(string name)
    {
        if (Get(name) is not { } value)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
        {
            return [.. value.EnumerateArray().Select(v => v.GetString()!)];
        }

        // Optional[Union[str, list[str]]]: pydantic reports the value against each member of the union.
        var list = value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select((item, index) => (item, index)).Where(p => p.item.ValueKind != JsonValueKind.String)
                .Select(p => new RequestValidationError("string_type", [name, "list[str]", p.index], "Input should be a valid string", PythonRepr.Of(p.item)))
            : [new RequestValidationError("list_type", [name, "list[str]"], "Input should be a valid list", PythonRepr.Of(value))];
        throw new VllmErrorException(RequestValidationError.ToVllmError(
            [new RequestValidationError("string_type", [name, "str"], "Input should be a valid string", PythonRepr.Of(value)), .. list]));
    }

    public IReadOnlyList<int> IntegerList(string name)
    {
        if (Get(name) is not { } value)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => AsInteger(v) is >= int.MinValue and <= int.MaxValue))
        {
            return [.. value.EnumerateArray().Select(v => (int)AsInteger(v)!.Value)];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(name, value, "list_type", "Input should be a valid list");
        }

        var errors = value.EnumerateArray().Select((item, index) => (item, index)).Where(p => AsInteger(p.item) is not (>= int.MinValue and <= int.MaxValue))
            .Select(p => IntegerIssue([name, p.index], p.item)).ToList();
        throw new VllmErrorException(RequestValidationError.ToVllmError(errors));
    }

    public static long? AsInteger(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        if (value.TryGetInt64(out var i))
        {
            return i;
        }

        var d = value.GetDouble();
        return d == Math.Floor(d) && Math.Abs(d) < 9.2e18 ? (long)d : null;
    }

    private static VllmErrorException Invalid(string name, JsonElement value, string type, string message) =>
        new RequestValidationError(type, [name], message, PythonRepr.Of(value)).ToException();

    private static VllmErrorException IntegerError(object[] location, JsonElement value) => IntegerIssue(location, value).ToException();

    private static RequestValidationError IntegerIssue(object[] location, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => new("int_parsing", location, "Input should be a valid integer, unable to parse string as an integer", PythonRepr.Of(value)),
        JsonValueKind.Number => new("int_from_float", location, "Input should be a valid integer, got a number with a fractional part", PythonRepr.Of(value)),
        _ => new("int_type", location, "Input should be a valid integer", PythonRepr.Of(value)),
    };
}
