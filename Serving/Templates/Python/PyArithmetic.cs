using System.Numerics;
using System.Text;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// Python's arithmetic operators on template values: <c>+ - * / // % **</c> and unary <c>- +</c>, with bool counting as
/// int, exact big integers, floor division and modulo that follow the divisor's sign, and Python's error messages.
/// </summary>
internal static class PyArithmetic
{
    public static object? Add(object? a, object? b)
    {
        PyOps.FailIfUndefined(a, b);
        if (PyOps.IsNumber(a) && PyOps.IsNumber(b))
        {
            return a is double || b is double ? PyOps.ToDouble(a!) + PyOps.ToDouble(b!) : PyOps.ToInteger(a!) + PyOps.ToInteger(b!);
        }

        switch (a, b)
        {
            case (string s, string t):
                return s + t;
            case (PyList x, PyList y):
                return new PyList([.. x, .. y]);
            case (PyTuple x, PyTuple y):
                return new PyTuple([.. x, .. y]);
            case (string, _):
                throw new ChatTemplateException($"can only concatenate str (not \"{PyOps.TypeName(b)}\") to str", "TypeError");
            case (PyList, _):
                throw new ChatTemplateException($"can only concatenate list (not \"{PyOps.TypeName(b)}\") to list", "TypeError");
            case (PyTuple, _):
                throw new ChatTemplateException($"can only concatenate tuple (not \"{PyOps.TypeName(b)}\") to tuple", "TypeError");
            default:
                throw Unsupported("+", a, b);
        }
    }

    public static object? Subtract(object? a, object? b)
    {
        PyOps.FailIfUndefined(a, b);
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b))
        {
            throw Unsupported("-", a, b);
        }

        return a is double || b is double ? PyOps.ToDouble(a!) - PyOps.ToDouble(b!) : PyOps.ToInteger(a!) - PyOps.ToInteger(b!);
    }

    public static object? Multiply(object? a, object? b)
    {
        PyOps.FailIfUndefined(a, b);
        if (PyOps.IsNumber(a) && PyOps.IsNumber(b))
        {
            return a is double || b is double ? PyOps.ToDouble(a!) * PyOps.ToDouble(b!) : PyOps.ToInteger(a!) * PyOps.ToInteger(b!);
        }

        var (sequence, count) = PyOps.IsNumber(a) ? (b, a) : (a, b);
        if (sequence is string or PyList or PyTuple)
        {
            if (count is double || !PyOps.IsNumber(count))
            {
                throw new ChatTemplateException($"can't multiply sequence by non-int of type '{PyOps.TypeName(count)}'", "TypeError");
            }

            var repeat = PyOps.ToInteger(count!);
            if (repeat > 1_000_000)
            {
                throw new ChatTemplateException("repeat count too large for this template engine", "OverflowError");
            }

            var times = (int)BigInteger.Max(repeat, BigInteger.Zero);
            return sequence switch
            {
                string s => new StringBuilder().Insert(0, s, times).ToString(),
                PyList l => new PyList([.. Enumerable.Repeat(l, times).SelectMany(x => x)]),
                _ => new PyTuple([.. Enumerable.Repeat((PyTuple)sequence, times).SelectMany(x => x)]),
            };
        }

        throw Unsupported("*", a, b);
    }

    public static object? TrueDivide(object? a, object? b)
    {
        PyOps.FailIfUndefined(a, b);
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b))
        {
            throw Unsupported("/", a, b);
        }

        var divisor = PyOps.ToDouble(b!);
        return divisor == 0
            ? throw new ChatTemplateException(a is double || b is double ? "float division by zero" : "division by zero", "ZeroDivisionError")
            : PyOps.ToDouble(a!) / divisor;
    }

    public static object? FloorDivide(object? a, object? b)
    {
        PyOps.FailIfUndefined(a, b);
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b))
        {
            throw Unsupported("//", a, b);
        }

        if (a is double || b is double)
        {
            var divisor = PyOps.ToDouble(b!);
            return divisor == 0
                ? throw new ChatTemplateException("float floor division by zero", "ZeroDivisionError")
                : Math.Floor(PyOps.ToDouble(a!) / divisor);
        }

        var (x, y) = (PyOps.ToInteger(a!), PyOps.ToInteger(b!));
        if (y.IsZero)
        {
            throw new ChatTemplateException("integer division or modulo by zero", "ZeroDivisionError");
        }

        var quotient = BigInteger.DivRem(x, y, out var remainder);
        return !remainder.IsZero && (remainder.Sign < 0) != (y.Sign < 0) ? quotient - 1 : quotient;
    }

    public static object? Modulo(object? a, object? b)
    {
        PyOps.FailIfUndefined(a, b);
        if (a is string)
        {
            throw new ChatTemplateException("printf-style formatting ('str' % value) is not supported by this template engine", "TemplateError");
        }

        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b))
        {
            throw Unsupported("%", a, b);
        }

        if (a is double || b is double)
        {
            var (x, y) = (PyOps.ToDouble(a!), PyOps.ToDouble(b!));
            if (y == 0)
            {
                throw new ChatTemplateException("float modulo", "ZeroDivisionError");
            }

            // Python: the result takes the divisor's sign.
            var r = x % y;
            return r != 0 ? ((y < 0) != (r < 0) ? r + y : r) : Math.CopySign(0, y);
        }

        var (m, n) = (PyOps.ToInteger(a!), PyOps.ToInteger(b!));
        if (n.IsZero)
        {
            throw new ChatTemplateException("integer modulo by zero", "ZeroDivisionError");
        }

        var rem = BigInteger.Remainder(m, n);
        return !rem.IsZero && (rem.Sign < 0) != (n.Sign < 0) ? rem + n : rem;
    }

    public static object? Power(object? a, object? b)
    {
        PyOps.FailIfUndefined(a, b);
        if (!PyOps.IsNumber(a) || !PyOps.IsNumber(b))
        {
            throw Unsupported("** or pow()", a, b);
        }

        if (a is double || b is double || PyOps.ToInteger(b!).Sign < 0)
        {
            return Math.Pow(PyOps.ToDouble(a!), PyOps.ToDouble(b!));
        }

        var exponent = PyOps.ToInteger(b!);
        return exponent > 10_000
            ? throw new ChatTemplateException("exponent too large for this template engine", "OverflowError")
            : BigInteger.Pow(PyOps.ToInteger(a!), (int)exponent);
    }

    public static object? Negate(object? value) => value switch
    {
        Undefined u => throw u.Error(),
        double d => -d,
        bool or BigInteger => -PyOps.ToInteger(value),
        _ => throw new ChatTemplateException($"bad operand type for unary -: '{PyOps.TypeName(value)}'", "TypeError"),
    };

    public static object? Plus(object? value) => value switch
    {
        Undefined u => throw u.Error(),
        double d => d,
        bool or BigInteger => PyOps.ToInteger(value),
        _ => throw new ChatTemplateException($"bad operand type for unary +: '{PyOps.TypeName(value)}'", "TypeError"),
    };

    private static ChatTemplateException Unsupported(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{PyOps.TypeName(a)}' and '{PyOps.TypeName(b)}'", "TypeError");
}
