using System.Globalization;
using System.Numerics;
using System.Text;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// Python value semantics for the values a template handles: <c>None</c> (null), <c>bool</c>, <c>int</c>
/// (<see cref="BigInteger"/>), <c>float</c> (<see cref="double"/>), <c>str</c>, <see cref="PyList"/>,
/// <see cref="PyTuple"/>, <see cref="PyDict"/> and Jinja's <see cref="Undefined"/>: truth, <c>str</c>/<c>repr</c>,
/// equality and ordering, membership, iteration and length. Errors carry Python's own messages.
/// </summary>
internal static class PyOps
{
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        BigInteger => "int",
        double => "float",
        string => "str",
        PyList => "list",
        PyTuple => "tuple",
        PyDict => "dict",
        Undefined => "Undefined",
        IPyCallable => "builtin_function_or_method",
        _ => value.GetType().Name,
    };

    public static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        BigInteger i => !i.IsZero,
        double d => d != 0,
        string s => s.Length > 0,
        PyList l => l.Count > 0,
        PyTuple t => t.Count > 0,
        PyDict d => d.Count > 0,
        Undefined => false,
        _ => true,
    };

    /// <summary>Python's <c>str(value)</c>, except that <see cref="Undefined"/> is empty, as Jinja prints it.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => string.Empty,
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr(value)</c>.</summary>
    public static string Repr(object? value)
    {
        switch (value)
        {
            case null:
                return "None";
            case bool b:
                return b ? "True" : "False";
            case BigInteger i:
                return i.ToString(CultureInfo.InvariantCulture);
            case double d:
                return PyFloat.Repr(d);
            case string s:
                return PyString.Repr(s);
            case PyList list:
                return "[" + string.Join(", ", list.Select(Repr)) + "]";
            case PyTuple tuple:
                return tuple.Count == 1 ? "(" + Repr(tuple[0]) + ",)" : "(" + string.Join(", ", tuple.Select(Repr)) + ")";
            case PyDict dict:
                var sb = new StringBuilder("{");
                var first = true;
                foreach (var (key, item) in dict)
                {
                    sb.Append(first ? string.Empty : ", ").Append(PyString.Repr(key)).Append(": ").Append(Repr(item));
                    first = false;
                }

                return sb.Append('}').ToString();
            case Undefined:
                return "Undefined";
            case IPyCallable callable:
                return $"<built-in method {callable.Name}>";
            default:
                return value.ToString() ?? string.Empty;
        }
    }

    /// <summary>Python's <c>==</c>: numbers compare by value across bool/int/float, containers element by element.</summary>
    public static bool AreEqual(object? a, object? b)
    {
        if (a is Undefined || b is Undefined)
        {
            return a is Undefined && b is Undefined;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return CompareNumbers(a!, b!) == 0;
        }

        switch (a)
        {
            case null:
                return b is null;
            case string s:
                return b is string t && string.Equals(s, t, StringComparison.Ordinal);
            case PyList list:
                return b is PyList otherList && SequenceEqual(list, otherList);
            case PyTuple tuple:
                return b is PyTuple otherTuple && SequenceEqual(tuple, otherTuple);
            case PyDict dict:
                if (b is not PyDict otherDict || dict.Count != otherDict.Count)
                {
                    return false;
                }

                foreach (var (key, value) in dict)
                {
                    if (!otherDict.TryGetValue(key, out var other) || !AreEqual(value, other))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return ReferenceEquals(a, b);
        }
    }

    /// <summary>Python's ordering operators (<c>&lt; &lt;= &gt; &gt;=</c>).</summary>
    public static bool Compare(string op, object? a, object? b)
    {
        FailIfUndefined(a, b);
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double x && double.IsNaN(x) || b is double y && double.IsNaN(y))
            {
                return false;
            }

            return Holds(op, CompareNumbers(a!, b!));
        }

        var order = (a, b) switch
        {
            (string s, string t) => PyString.CompareCodePoints(s, t),
            (PyList x, PyList y) => CompareSequences(x, y),
            (PyTuple x, PyTuple y) => CompareSequences(x, y),
            _ => throw new ChatTemplateException(
                $"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'", "TypeError"),
        };
        return Holds(op, order);
    }

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string s:
                return item is string needle
                    ? s.Contains(needle, StringComparison.Ordinal)
                    : throw new ChatTemplateException($"'in <string>' requires string as left operand, not {TypeName(item)}", "TypeError");
            case PyList or PyTuple:
                return ((IReadOnlyList<object?>)container).Any(x => AreEqual(x, item));
            case PyDict d:
                return item switch
                {
                    string key => d.ContainsKey(key),
                    PyList or PyDict => throw new ChatTemplateException($"unhashable type: '{TypeName(item)}'", "TypeError"),
                    _ => false,
                };
            case Undefined:
                return false;
            default:
                throw new ChatTemplateException($"argument of type '{TypeName(container)}' is not iterable", "TypeError");
        }
    }

    /// <summary>Python's <c>iter(value)</c>, materialised: a string yields code points, a dict its keys.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        string s => PyString.Characters(s),
        PyList l => l,
        PyTuple t => t,
        PyDict d => d.Keys,
        Undefined => [],
        _ => throw new ChatTemplateException($"'{TypeName(value)}' object is not iterable", "TypeError"),
    };

    /// <summary>Python's <c>len(value)</c>; Jinja's Undefined has length 0.</summary>
    public static int Length(object? value) => value switch
    {
        string s => PyString.Length(s),
        PyList l => l.Count,
        PyTuple t => t.Count,
        PyDict d => d.Count,
        Undefined => 0,
        _ => throw new ChatTemplateException($"object of type '{TypeName(value)}' has no len()", "TypeError"),
    };

    /// <summary>Jinja's Undefined fails any operator with its own message.</summary>
    public static void FailIfUndefined(object? a, object? b)
    {
        if (a is Undefined u)
        {
            throw u.Error();
        }

        if (b is Undefined v)
        {
            throw v.Error();
        }
    }

    public static bool IsNumber(object? value) => value is bool or BigInteger or double;

    public static BigInteger ToInteger(object value) => value switch
    {
        bool b => b ? BigInteger.One : BigInteger.Zero,
        BigInteger i => i,
        _ => throw new InvalidOperationException("not an integer"),
    };

    public static double ToDouble(object value) => value switch
    {
        double d => d,
        _ => ToIntegerAsDouble(ToInteger(value)),
    };

    private static double ToIntegerAsDouble(BigInteger value)
    {
        var d = (double)value;
        return double.IsInfinity(d)
            ? throw new ChatTemplateException("int too large to convert to float", "OverflowError")
            : d;
    }

    private static int CompareNumbers(object a, object b)
    {
        if (a is double x && b is double y)
        {
            return x.CompareTo(y);
        }

        if (a is double d)
        {
            return -CompareIntegerToDouble(ToInteger(b), d);
        }

        return b is double e ? CompareIntegerToDouble(ToInteger(a), e) : ToInteger(a).CompareTo(ToInteger(b));
    }

    // Python compares int and float exactly, without rounding the int to a double.
    private static int CompareIntegerToDouble(BigInteger i, double d)
    {
        if (double.IsNaN(d))
        {
            return 1;
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? -1 : 1;
        }

        var floor = Math.Floor(d);
        var order = i.CompareTo(new BigInteger(floor));
        return order != 0 ? order : (floor == d ? 0 : -1);
    }

    private static int CompareSequences(IReadOnlyList<object?> x, IReadOnlyList<object?> y)
    {
        for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
        {
            if (!AreEqual(x[i], y[i]))
            {
                return Compare("<", x[i], y[i]) ? -1 : 1;
            }
        }

        return x.Count.CompareTo(y.Count);
    }

    private static bool SequenceEqual(IReadOnlyList<object?> x, IReadOnlyList<object?> y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }

        for (var i = 0; i < x.Count; i++)
        {
            if (!AreEqual(x[i], y[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Holds(string op, int order) => op switch
    {
        "<" => order < 0,
        "<=" => order <= 0,
        ">" => order > 0,
        ">=" => order >= 0,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not an ordering operator"),
    };
}
