using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// The read-only methods of <c>str</c> and <c>dict</c> a template may call (<c>content.strip()</c>,
/// <c>message.get('name')</c>). Mutating methods are absent, as in Hugging Face's immutable sandbox.
/// </summary>
internal static class PyMethods
{
    public static bool TryBind(object? target, string name, [NotNullWhen(true)] out IPyCallable? method)
    {
        method = (target, name) switch
        {
            (string s, "strip") => new BoundMethod("strip", a => PyString.Strip(s, OptionalChars(a, "strip"))),
            (string s, "lstrip") => new BoundMethod("lstrip", a => PyString.LStrip(s, OptionalChars(a, "lstrip"))),
            (string s, "rstrip") => new BoundMethod("rstrip", a => PyString.RStrip(s, OptionalChars(a, "rstrip"))),
            (string s, "upper") => new BoundMethod("upper", a => NoArguments(a, "upper", s.ToUpperInvariant())),
            (string s, "lower") => new BoundMethod("lower", a => NoArguments(a, "lower", s.ToLowerInvariant())),
            (string s, "startswith") => new BoundMethod("startswith", a => Affix(s, a, "startswith", (x, y) => x.StartsWith(y, StringComparison.Ordinal))),
            (string s, "endswith") => new BoundMethod("endswith", a => Affix(s, a, "endswith", (x, y) => x.EndsWith(y, StringComparison.Ordinal))),
            (string s, "split") => new BoundMethod("split", a => Split(s, a)),
            (string s, "replace") => new BoundMethod("replace", a => Replace(s, a)),
            (PyDict d, "get") => new BoundMethod("get", a => Get(d, a)),
            (PyDict d, "items") => new BoundMethod("items", a => NoArguments(a, "items", new PyList([.. d.Select(p => (object?)new PyTuple([p.Key, p.Value]))]))),
            (PyDict d, "keys") => new BoundMethod("keys", a => NoArguments(a, "keys", new PyList([.. d.Keys]))),
            (PyDict d, "values") => new BoundMethod("values", a => NoArguments(a, "values", new PyList([.. d.Select(p => p.Value)]))),
            _ => null,
        };
        return method is not null;
    }

    private static object? NoArguments(CallArguments arguments, string name, object? result) =>
        arguments.PositionalOnly(name).Count == 0
            ? result
            : throw new ChatTemplateException($"{name}() takes no arguments ({arguments.Positional.Count} given)", "TypeError");

    private static string? OptionalChars(CallArguments arguments, string name)
    {
        var positional = arguments.PositionalOnly(name);
        return positional.Count switch
        {
            0 => null,
            1 when positional[0] is null => null,
            1 when positional[0] is string chars => chars,
            1 => throw new ChatTemplateException($"{name} arg must be None or str", "TypeError"),
            _ => throw new ChatTemplateException($"{name} expected at most 1 argument, got {positional.Count}", "TypeError"),
        };
    }

    private static bool Affix(string s, CallArguments arguments, string name, Func<string, string, bool> test)
    {
        var positional = arguments.PositionalOnly(name);
        return positional is [string affix]
            ? test(s, affix)
            : positional is [PyTuple options]
                ? options.Any(o => o is string option && test(s, option))
                : throw new ChatTemplateException($"{name} first arg must be str or a tuple of str", "TypeError");
    }

    private static PyList Split(string s, CallArguments arguments)
    {
        var values = arguments.Bind("split", ["sep", "maxsplit"], [null, BigInteger.MinusOne]);
        if (values[0] is not (null or string))
        {
            throw new ChatTemplateException($"must be str or None, not {PyOps.TypeName(values[0])}", "TypeError");
        }

        if (!PyOps.ToInteger(values[1] ?? BigInteger.MinusOne).Equals(BigInteger.MinusOne))
        {
            throw new ChatTemplateException("split() with maxsplit is not supported by this template engine", "TemplateError");
        }

        return new PyList([.. PyString.Split(s, (string?)values[0])]);
    }

    private static string Replace(string s, CallArguments arguments)
    {
        var positional = arguments.PositionalOnly("replace");
        if (positional is not [string old, string replacement])
        {
            throw new ChatTemplateException("replace() takes two str arguments", "TypeError");
        }

        return PyString.Replace(s, old, replacement);
    }

    private static object? Get(PyDict dict, CallArguments arguments)
    {
        var positional = arguments.PositionalOnly("get");
        return positional.Count is < 1 or > 2
            ? throw new ChatTemplateException($"get expected 1 or 2 arguments, got {positional.Count}", "TypeError")
            : positional[0] is string key && dict.TryGetValue(key, out var value) ? value : positional.Count == 2 ? positional[1] : null;
    }

    private sealed class BoundMethod(string name, Func<CallArguments, object?> invoke) : IPyCallable
    {
        public string Name { get; } = name;

        public object? Invoke(CallArguments arguments) => invoke(arguments);
    }
}
