using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Aspire70B.Serving.Templates.Python;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Structured;

/// <summary>
/// Draws a value that validates against a JSON schema, as a model decoding under vLLM's grammar constraint would
/// produce one: <c>type</c> (one or several), <c>enum</c>, <c>const</c>, <c>properties</c>/<c>required</c>,
/// <c>minProperties</c>, <c>items</c>/<c>prefixItems</c>, <c>minItems</c>/<c>maxItems</c>, <c>uniqueItems</c>, string
/// lengths and common <c>format</c>s, numeric bounds and <c>multipleOf</c>, <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c> and
/// local <c>$ref</c>s (<c>#/$defs/…</c>, <c>#/definitions/…</c>, <c>#</c>). A schema it cannot honour (a regular
/// expression, contradictory bounds, an unknown type) throws <see cref="SchemaException"/> instead of producing output
/// that would not validate. The values are Python values (<see cref="PyDict"/>, <see cref="PyList"/>, string, long,
/// double, bool, null) for <see cref="PyJson.Dumps"/>. Deterministic for a seed; not thread-safe.
/// </summary>
internal sealed class JsonSchemaSampler(JsonElement root, SplitMix64 random)
{
    private const int MaxDepth = 24;

    // Beyond this nesting, optional members and extra array items are left out so recursive schemas end.
    private const int ShallowDepth = 4;

    private static readonly string[] Words =
    [
        "alpha", "amber", "river", "cedar", "harbor", "maple", "nova", "orbit", "pebble", "quartz",
        "sierra", "tango", "violet", "willow", "zenith", "lumen", "delta", "ember", "fjord", "garnet",
    ];

    private static readonly string[] KnownTypes = ["string", "integer", "number", "boolean", "object", "array", "null"];

    /// <summary>A value for the whole schema.</summary>
    public object? Sample() => Sample(root, 0);

    /// <summary>A value for a part of the schema (its <c>$ref</c>s resolve against the whole).</summary>
    public object? Sample(JsonElement part) => Sample(part, 1);

    private object? Sample(JsonElement schema, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new SchemaException("the schema nests (or recurses) too deeply to produce a finite value");
        }

        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return Word();
            case JsonValueKind.False:
                throw new SchemaException("the schema 'false' admits no value");
            case JsonValueKind.Object:
                break;
            default:
                throw new SchemaException($"a schema must be an object or a boolean, not {Kind(schema)}");
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            return Sample(Resolve(reference), depth + 1);
        }

        if (schema.TryGetProperty("const", out var constant))
        {
            return PyJson.FromJson(constant);
        }

        if (schema.TryGetProperty("enum", out var choices))
        {
            if (choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
            {
                throw new SchemaException("'enum' must be a non-empty array");
            }

            return PyJson.FromJson(choices[random.Next(0, choices.GetArrayLength())]);
        }

        foreach (var keyword in (string[])["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(keyword, out var branches))
            {
                // For oneOf this assumes the branches do not overlap, as the schemas of tools and response formats
                // practically never do.
                var options = Branches(keyword, branches);
                return Sample(options[random.Next(0, options.Count)], depth + 1);
            }
        }

        if (schema.TryGetProperty("allOf", out var all))
        {
            var parts = Branches("allOf", all);
            return parts.Count == 1 ? Sample(parts[0], depth + 1) : SampleMerged(schema, parts, depth);
        }

        if (schema.TryGetProperty("pattern", out _) || schema.TryGetProperty("patternProperties", out _))
        {
            throw new SchemaException("the Simulator does not generate text for regular expressions ('pattern', 'patternProperties')");
        }

        return SampleTyped(schema, TypeOf(schema), depth);
    }

    private object? SampleTyped(JsonElement schema, string type, int depth) => type switch
    {
        "string" => SampleString(schema),
        "integer" => new BigInteger(SampleInteger(schema)),
        "number" => SampleNumber(schema),
        "boolean" => random.Next(0, 2) == 1,
        "null" => null,
        "object" => SampleObject(schema, depth),
        "array" => SampleArray(schema, depth),
        _ => throw new SchemaException($"unknown type \"{type}\""),
    };

    private string TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) || schema.TryGetProperty("required", out _) ? "object"
                : schema.TryGetProperty("items", out _) || schema.TryGetProperty("prefixItems", out _) ? "array"
                : schema.TryGetProperty("minimum", out _) || schema.TryGetProperty("maximum", out _) ? "number"
                : "string";
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            return Known(type.GetString()!);
        }

        if (type.ValueKind == JsonValueKind.Array && type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String))
        {
            var types = type.EnumerateArray().Select(t => Known(t.GetString()!)).ToList();
            // A nullable type ("string", "null") answers with the value more often than with null, as a model would.
            var values = types.Where(t => t != "null").ToList();
            return values.Count == 0 ? "null" : values[random.Next(0, values.Count)];
        }

        throw new SchemaException("'type' must be a type name or a non-empty array of type names");
    }

    private static string Known(string type) =>
        KnownTypes.Contains(type, StringComparer.Ordinal) ? type : throw new SchemaException($"unknown type \"{type}\"");

    private string SampleString(JsonElement schema)
    {
        var min = Count(schema, "minLength") ?? 0;
        var max = Count(schema, "maxLength");
        if (max < min)
        {
            throw new SchemaException($"maxLength {max} is below minLength {min}");
        }

        if (schema.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String && Formatted(format.GetString()!) is { } formatted)
        {
            if (formatted.Length < min || formatted.Length > (max ?? int.MaxValue))
            {
                throw new SchemaException($"no \"{format.GetString()}\" value fits the length bounds");
            }

            return formatted;
        }

        var text = Word();
        while (text.Length < min)
        {
            text += " " + Word();
        }

        return max is { } limit && text.Length > limit ? text[..limit].TrimEnd() is { } trimmed && trimmed.Length >= min ? trimmed : text[..limit] : text;
    }

    private string? Formatted(string format)
    {
        var day = random.Next(1, 29);
        var month = random.Next(1, 13);
        var hour = random.Next(0, 24);
        return format switch
        {
            "date-time" => string.Create(CultureInfo.InvariantCulture, $"2025-{month:00}-{day:00}T{hour:00}:30:00Z"),
            "date" => string.Create(CultureInfo.InvariantCulture, $"2025-{month:00}-{day:00}"),
            "time" => string.Create(CultureInfo.InvariantCulture, $"{hour:00}:30:00Z"),
            "email" => Word() + "@example.com",
            "uri" or "url" => "https://example.com/" + Word(),
            "uuid" => new Guid((int)random.Next(), (short)random.Next(), (short)random.Next(), new byte[8]).ToString(),
            "ipv4" => string.Create(CultureInfo.InvariantCulture, $"192.0.2.{random.Next(1, 255)}"),
            "hostname" => Word() + ".example.com",
            _ => null,
        };
    }

    private long SampleInteger(JsonElement schema)
    {
        var (low, high) = Bounds(schema);
        var min = (long)Math.Ceiling(low ?? Math.Min(0, high ?? 0));
        var max = (long)Math.Floor(high ?? Math.Max(min + 100, 100));
        if (low is { } l && l == min && Exclusive(schema, "exclusiveMinimum", l))
        {
            min++;
        }

        if (high is { } h && h == max && Exclusive(schema, "exclusiveMaximum", h))
        {
            max--;
        }

        var step = schema.TryGetProperty("multipleOf", out var multiple) && multiple.ValueKind == JsonValueKind.Number ? multiple.GetDouble() : 1;
        if (!(step > 0))
        {
            throw new SchemaException("'multipleOf' must be greater than zero");
        }

        if (step != Math.Floor(step))
        {
            throw new SchemaException("the Simulator only honours an integral 'multipleOf' on integers");
        }

        var stride = (long)step;
        var first = (long)Math.Ceiling(min / (double)stride) * stride;
        var last = (long)Math.Floor(max / (double)stride) * stride;
        if (first > last)
        {
            throw new SchemaException($"no integer lies between {min} and {max}");
        }

        var span = (last - first) / stride;
        return first + stride * (long)(random.Next() % (ulong)Math.Min(span + 1, 1_000_000));
    }

    private object SampleNumber(JsonElement schema)
    {
        if (schema.TryGetProperty("multipleOf", out _))
        {
            return new BigInteger(SampleInteger(schema));
        }

        var (low, high) = Bounds(schema);
        var min = low ?? Math.Min(0, (high ?? 0) - 100);
        var max = high ?? min + 100;
        if (max < min)
        {
            throw new SchemaException($"maximum {max} is below minimum {min}");
        }

        // Quarter steps strictly inside the bounds, or the midpoint, so exclusive bounds hold too.
        var value = min + (max - min) * (random.Next(1, 4) / 4.0);
        value = Math.Round(value * 4) / 4;
        return value > min && value < max ? value : (min + max) / 2;
    }

    private static (double? Low, double? High) Bounds(JsonElement schema)
    {
        double? low = Number(schema, "minimum");
        double? high = Number(schema, "maximum");
        if (schema.TryGetProperty("exclusiveMinimum", out var exMin) && exMin.ValueKind == JsonValueKind.Number)
        {
            low = Math.Max(low ?? double.MinValue, exMin.GetDouble());
        }

        if (schema.TryGetProperty("exclusiveMaximum", out var exMax) && exMax.ValueKind == JsonValueKind.Number)
        {
            high = Math.Min(high ?? double.MaxValue, exMax.GetDouble());
        }

        return (low, high);
    }

    private static bool Exclusive(JsonElement schema, string keyword, double bound) =>
        schema.TryGetProperty(keyword, out var value) && (value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.Number && value.GetDouble() == bound));

    private PyDict SampleObject(JsonElement schema, int depth)
    {
        var result = new PyDict();
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        if (properties.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw new SchemaException("'properties' must be an object");
        }

        var required = Required(schema);
        var optional = new List<JsonProperty>();
        if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (required.Contains(property.Name))
                {
                    result.Set(property.Name, Sample(property.Value, depth + 1));
                }
                else
                {
                    optional.Add(property);
                }
            }
        }

        foreach (var name in required.Where(n => !result.ContainsKey(n)))
        {
            result.Set(name, Word());
        }

        var minProperties = Count(schema, "minProperties") ?? 0;
        foreach (var property in optional)
        {
            if (result.Count < minProperties || (depth < ShallowDepth && random.Next(0, 2) == 1))
            {
                result.Set(property.Name, Sample(property.Value, depth + 1));
            }
        }

        var open = !(schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False);
        for (var extra = 1; result.Count < minProperties; extra++)
        {
            if (!open)
            {
                throw new SchemaException($"minProperties {minProperties} cannot be met without additional properties");
            }

            result.Set("extra_" + extra.ToString(CultureInfo.InvariantCulture), Word());
        }

        if (Count(schema, "maxProperties") is { } maxProperties && result.Count > maxProperties)
        {
            throw new SchemaException($"the required properties exceed maxProperties {maxProperties}");
        }

        return result;
    }

    private static HashSet<string> Required(JsonElement schema)
    {
        if (!schema.TryGetProperty("required", out var required))
        {
            return [];
        }

        if (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
        {
            throw new SchemaException("'required' must be an array of property names");
        }

        return [.. required.EnumerateArray().Select(r => r.GetString()!)];
    }

    private PyList SampleArray(JsonElement schema, int depth)
    {
        var min = Count(schema, "minItems") ?? 0;
        var max = Count(schema, "maxItems");
        if (max < min)
        {
            throw new SchemaException($"maxItems {max} is below minItems {min}");
        }

        var prefix = schema.TryGetProperty("prefixItems", out var pi) ? Branches("prefixItems", pi) : [];
        var items = schema.TryGetProperty("items", out var it) ? it : default;
        if (items.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            throw new SchemaException("'items' must be a schema");
        }

        var wanted = min > 0 || depth >= ShallowDepth ? min : random.Next(1, 4);
        var count = Math.Min(wanted, max ?? int.MaxValue);
        if (items.ValueKind == JsonValueKind.False)
        {
            count = Math.Min(count, prefix.Count);
        }

        var unique = schema.TryGetProperty("uniqueItems", out var u) && u.ValueKind == JsonValueKind.True;
        var result = new PyList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var itemSchema = i < prefix.Count ? prefix[i] : items.ValueKind == JsonValueKind.Undefined ? JsonTrue : items;
            object? value = null;
            var fresh = false;
            for (var attempt = 0; attempt < 16 && !fresh; attempt++)
            {
                value = Sample(itemSchema, depth + 1);
                fresh = !unique || seen.Add(PyJson.Dumps(value, JsonFormat.Compact));
            }

            if (!fresh)
            {
                if (result.Count >= min)
                {
                    break;
                }

                throw new SchemaException($"cannot find {min} distinct items for 'uniqueItems'");
            }

            result.Add(value);
        }

        if (result.Count < min)
        {
            throw new SchemaException($"minItems {min} cannot be met");
        }

        return result;
    }

    private PyDict SampleMerged(JsonElement schema, List<JsonElement> parts, int depth)
    {
        // allOf over object schemas (the common case: a base type and its extension): one object with every part's
        // properties and required names, then the schema's own. Anything else is beyond the Simulator.
        var resolved = parts.Select(part => part.ValueKind == JsonValueKind.Object && part.TryGetProperty("$ref", out var r) ? Resolve(r) : part).ToList();
        if (resolved.Any(part => part.ValueKind != JsonValueKind.Object || TypeOf(part) != "object"))
        {
            throw new SchemaException("the Simulator only combines object schemas with 'allOf'");
        }

        var merged = new PyDict();
        foreach (var part in resolved.Append(schema))
        {
            foreach (var (key, value) in SampleObject(part, depth))
            {
                merged.Set(key, value);
            }
        }

        return merged;
    }

    private static List<JsonElement> Branches(string keyword, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw new SchemaException($"'{keyword}' must be a non-empty array of schemas");
        }

        return [.. value.EnumerateArray()];
    }

    private JsonElement Resolve(JsonElement reference)
    {
        if (reference.ValueKind != JsonValueKind.String || reference.GetString() is not { } path || !path.StartsWith('#'))
        {
            throw new SchemaException("only local '$ref's (\"#/...\") are supported");
        }

        var target = root;
        foreach (var segment in path[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = Uri.UnescapeDataString(segment).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (target.ValueKind != JsonValueKind.Object || !target.TryGetProperty(name, out target))
            {
                throw new SchemaException($"'$ref' {path} does not resolve");
            }
        }

        return target;
    }

    private static int? Count(JsonElement schema, string keyword)
    {
        if (!schema.TryGetProperty(keyword, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count >= 0
            ? count
            : throw new SchemaException($"'{keyword}' must be a non-negative integer");
    }

    private static double? Number(JsonElement schema, string keyword)
    {
        if (!schema.TryGetProperty(keyword, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw new SchemaException($"'{keyword}' must be a number");
    }

    private string Word() => Words[random.Next(0, Words.Length)];

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();

    private static readonly JsonElement JsonTrue = JsonDocument.Parse("true").RootElement.Clone();
}

/// <summary>A JSON schema that is malformed, or that the Simulator cannot generate values for.</summary>
internal sealed class SchemaException(string message) : Exception(message);
