using System.Numerics;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// Jinja's sandboxed <c>getattr</c> and <c>getitem</c>. <c>x.name</c> tries a Python attribute (a method such as
/// <c>str.strip</c>) before the item; <c>x['name']</c> tries the item first. A miss is an <see cref="Undefined"/>
/// that remembers what was missing; touching an Undefined's members fails with its message.
/// </summary>
internal static class JinjaAccess
{
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined undefined:
                throw undefined.Error();
            case LoopContext loop:
                return loop.TryGet(name, out var value) ? value : Undefined.Member(target, name);
            default:
                if (PyMethods.TryBind(target, name, out var method))
                {
                    return method;
                }

                return target is PyDict dict && dict.TryGetValue(name, out var item) ? item : Undefined.Member(target, name);
        }
    }

    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined undefined:
                throw undefined.Error();
            case PyDict dict when key is string name && dict.TryGetValue(name, out var value):
                return value;
            case PyList or PyTuple when IsIndex(key):
                var list = (IReadOnlyList<object?>)target;
                return TryNormalize(PyOps.ToInteger(key!), list.Count, out var index) ? list[index] : Undefined.Member(target, key);
            case string s when IsIndex(key):
                var characters = PyString.Characters(s);
                return TryNormalize(PyOps.ToInteger(key!), characters.Count, out var at) ? characters[at] : Undefined.Member(target, key);
            case LoopContext loop when key is string attribute && loop.TryGet(attribute, out var loopValue):
                return loopValue;
        }

        return key is string methodName && PyMethods.TryBind(target, methodName, out var method)
            ? method
            : Undefined.Member(target, key);
    }

    /// <summary>Python slicing of a <c>str</c>, <c>list</c> or <c>tuple</c>: <c>messages[1:]</c>, <c>s[::-1]</c>.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is Undefined undefined)
        {
            throw undefined.Error();
        }

        IReadOnlyList<object?> items = target switch
        {
            string s => PyString.Characters(s),
            PyList or PyTuple => (IReadOnlyList<object?>)target,
            _ => [],
        };
        if (target is not (string or PyList or PyTuple))
        {
            return Undefined.WithHint($"{PyOps.TypeName(target)} object has no element slice({PyOps.Repr(start)}, {PyOps.Repr(stop)}, {PyOps.Repr(step)})");
        }

        var picked = new List<object?>();
        foreach (var i in SliceIndices(items.Count, start, stop, step))
        {
            picked.Add(items[i]);
        }

        return target switch
        {
            string => string.Concat(picked.Cast<string>()),
            PyList => new PyList(picked),
            _ => new PyTuple(picked),
        };
    }

    private static bool IsIndex(object? key) => key is bool or BigInteger;

    private static bool TryNormalize(BigInteger index, int count, out int normalized)
    {
        if (index < 0)
        {
            index += count;
        }

        normalized = index >= 0 && index < count ? (int)index : -1;
        return normalized >= 0;
    }

    // Python's slice.indices(length), then the range it describes.
    private static IEnumerable<int> SliceIndices(int length, object? start, object? stop, object? step)
    {
        var stepValue = SliceBound(step) ?? 1;
        if (stepValue == 0)
        {
            throw new ChatTemplateException("slice step cannot be zero", "ValueError");
        }

        var (lower, upper) = stepValue > 0 ? (0L, (long)length) : (-1L, length - 1L);
        var from = Clamp(SliceBound(start), stepValue > 0 ? lower : upper, length, lower, upper);
        var to = Clamp(SliceBound(stop), stepValue > 0 ? upper : lower, length, lower, upper);
        for (var i = from; stepValue > 0 ? i < to : i > to; i += stepValue)
        {
            yield return (int)i;
        }
    }

    private static long Clamp(long? bound, long fallback, int length, long lower, long upper)
    {
        if (bound is not { } value)
        {
            return fallback;
        }

        if (value < 0)
        {
            value += length;
        }

        return Math.Clamp(value, lower, upper);
    }

    private static long? SliceBound(object? value) => value switch
    {
        null => null,
        bool or BigInteger => (long)BigInteger.Clamp(PyOps.ToInteger(value), long.MinValue / 4, long.MaxValue / 4),
        _ => throw new ChatTemplateException("slice indices must be integers or None or have an __index__ method", "TypeError"),
    };
}
