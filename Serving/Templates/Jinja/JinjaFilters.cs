using System.Numerics;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// The filters a chat template may use, with Jinja's semantics, and <c>tojson</c> as Hugging Face overrides it:
/// <c>json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)</c>, no HTML escaping.
/// </summary>
internal static class JinjaFilters
{
    private static readonly Dictionary<string, Func<object?, CallArguments, object?>> Filters = new(StringComparer.Ordinal)
    {
        ["trim"] = Trim,
        ["tojson"] = ToJson,
        ["length"] = (v, a) => NoArguments(a, "length", new BigInteger(PyOps.Length(v))),
        ["count"] = (v, a) => NoArguments(a, "count", new BigInteger(PyOps.Length(v))),
        ["items"] = Items,
        ["join"] = Join,
        ["select"] = (v, a) => SelectOrReject(v, a, keep: true),
        ["reject"] = (v, a) => SelectOrReject(v, a, keep: false),
        ["default"] = Default,
        ["d"] = Default,
        ["first"] = (v, a) => NoArguments(a, "first", PyOps.Iterate(v) is [var head, ..] ? head : Undefined.WithHint("No first item, sequence was empty.")),
        ["last"] = (v, a) => NoArguments(a, "last", PyOps.Iterate(v) is [.., var tail] ? tail : Undefined.WithHint("No last item, sequence was empty.")),
        ["list"] = (v, a) => NoArguments(a, "list", new PyList([.. PyOps.Iterate(v)])),
        ["string"] = (v, a) => NoArguments(a, "string", PyOps.Str(v)),
        ["lower"] = (v, a) => NoArguments(a, "lower", PyOps.Str(v).ToLowerInvariant()),
        ["upper"] = (v, a) => NoArguments(a, "upper", PyOps.Str(v).ToUpperInvariant()),
        ["replace"] = Replace,
    };

    public static bool Exists(string name) => Filters.ContainsKey(name);

    public static object? Apply(string name, object? value, CallArguments arguments) => Filters[name](value, arguments);

    private static object? NoArguments(CallArguments arguments, string name, object? result)
    {
        arguments.Bind(name, [], []);
        return result;
    }

    // do_trim: soft_str(value).strip(chars)
    private static string Trim(object? value, CallArguments arguments)
    {
        var chars = arguments.Bind("trim", ["chars"], [null])[0];
        return chars is null or string
            ? PyString.Strip(PyOps.Str(value), (string?)chars)
            : throw new ChatTemplateException("strip arg must be None or str", "TypeError");
    }

    private static string ToJson(object? value, CallArguments arguments)
    {
        var values = arguments.Bind("tojson", ["ensure_ascii", "indent", "separators", "sort_keys"], [false, null, null, false]);
        var format = JsonFormat.FromPython(values[1], values[2], PyOps.IsTruthy(values[0]), PyOps.IsTruthy(values[3]));
        return PyJson.Dumps(value, format);
    }

    private static PyList Items(object? value, CallArguments arguments)
    {
        arguments.Bind("items", [], []);
        return value switch
        {
            Undefined => new PyList(),
            PyDict dict => new PyList([.. dict.Select(p => (object?)new PyTuple([p.Key, p.Value]))]),
            _ => throw new ChatTemplateException("Can only get item pairs from a mapping.", "TypeError"),
        };
    }

    private static string Join(object? value, CallArguments arguments)
    {
        var values = arguments.Bind("join", ["d", "attribute"], [string.Empty, null]);
        var items = PyOps.Iterate(value).AsEnumerable();
        if (values[1] is { } attribute)
        {
            items = items.Select(item => JinjaAccess.GetItem(item, attribute));
        }

        return string.Join(PyOps.Str(values[0]), items.Select(PyOps.Str));
    }

    // select/reject: keep the items for which the named test (or plain truthiness) holds, or does not.
    private static PyList SelectOrReject(object? value, CallArguments arguments, bool keep)
    {
        var positional = arguments.PositionalOnly(keep ? "select" : "reject");
        if (positional is [var name, ..] && (name is not string testName || !JinjaTests.Exists(testName)))
        {
            throw new ChatTemplateException($"No test named {PyOps.Repr(name)}.", "TemplateRuntimeError");
        }

        var result = new PyList();
        if (!PyOps.IsTruthy(value))
        {
            return result;
        }

        foreach (var item in PyOps.Iterate(value))
        {
            var passed = positional.Count == 0
                ? PyOps.IsTruthy(item)
                : JinjaTests.Apply((string)positional[0]!, item, [.. positional.Skip(1)]);
            if (passed == keep)
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static object? Default(object? value, CallArguments arguments)
    {
        var values = arguments.Bind("default", ["default_value", "boolean"], [string.Empty, false]);
        return value is Undefined || (PyOps.IsTruthy(values[1]) && !PyOps.IsTruthy(value)) ? values[0] : value;
    }

    private static string Replace(object? value, CallArguments arguments)
    {
        var values = arguments.Bind("replace", ["old", "new", "count"], [null, null, null]);
        if (values[0] is not string old || values[1] is not string replacement || values[2] is not null)
        {
            throw new ChatTemplateException("replace() takes two str arguments (count is not supported)", "TypeError");
        }

        return PyString.Replace(PyOps.Str(value), old, replacement);
    }
}
