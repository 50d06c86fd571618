using System.Globalization;
using System.Text.Json;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// Reads the fields of a request body with pydantic's lax typing (an integral float is an int, an int is a float),
/// turning a wrong type into a 400 that names the field.
/// </summary>
internal readonly struct JsonFields
{
    private readonly JsonElement _body;

    public JsonFields(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new VllmErrorException(VllmError.BadRequest("Input should be a valid dictionary or object to extract fields from"));
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

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw TypeError(name, "a valid string");
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
            _ => throw TypeError(name, "a valid boolean"),
        };
    }

    public long? Integer(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return AsInteger(value) ?? throw TypeError(name, "a valid integer");
    }

    public double? Number(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw TypeError(name, "a valid number");
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

        throw TypeError(name, "a valid string or a valid list of strings");
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

        throw TypeError(name, "a valid list of integers");
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

    private static VllmErrorException TypeError(string name, string expected) =>
        new(VllmError.BadRequest(string.Create(CultureInfo.InvariantCulture, $"{name}: Input should be {expected}"), name));
}
