using System.Numerics;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>Jinja's tests (<c>x is defined</c>, <c>x is mapping</c>, <c>x is equalto y</c> ...), with Jinja's semantics.</summary>
internal static class JinjaTests
{
    private static readonly Dictionary<string, Func<object?, IReadOnlyList<object?>, bool>> Tests = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _) => v is not Undefined,
        ["undefined"] = (v, _) => v is Undefined,
        ["none"] = (v, _) => v is null,
        ["mapping"] = (v, _) => v is PyDict,
        // Jinja's Undefined defines __iter__ and __len__, so it is iterable and a sequence.
        ["iterable"] = (v, _) => v is string or PyList or PyTuple or PyDict or Undefined,
        ["sequence"] = (v, _) => v is string or PyList or PyTuple or PyDict or Undefined,
        ["string"] = (v, _) => v is string,
        ["number"] = (v, _) => PyOps.IsNumber(v),
        ["integer"] = (v, _) => v is BigInteger,
        ["float"] = (v, _) => v is double,
        ["boolean"] = (v, _) => v is bool,
        ["true"] = (v, _) => v is true,
        ["false"] = (v, _) => v is false,
        ["callable"] = (v, _) => v is IPyCallable,
        ["equalto"] = (v, a) => PyOps.AreEqual(v, One(a, "equalto")),
        ["eq"] = (v, a) => PyOps.AreEqual(v, One(a, "eq")),
        ["=="] = (v, a) => PyOps.AreEqual(v, One(a, "==")),
        ["ne"] = (v, a) => !PyOps.AreEqual(v, One(a, "ne")),
        ["!="] = (v, a) => !PyOps.AreEqual(v, One(a, "!=")),
        ["lt"] = (v, a) => PyOps.Compare("<", v, One(a, "lt")),
        ["lessthan"] = (v, a) => PyOps.Compare("<", v, One(a, "lessthan")),
        ["le"] = (v, a) => PyOps.Compare("<=", v, One(a, "le")),
        ["gt"] = (v, a) => PyOps.Compare(">", v, One(a, "gt")),
        ["greaterthan"] = (v, a) => PyOps.Compare(">", v, One(a, "greaterthan")),
        ["ge"] = (v, a) => PyOps.Compare(">=", v, One(a, "ge")),
        ["in"] = (v, a) => PyOps.Contains(One(a, "in"), v),
        ["sameas"] = (v, a) => SameAs(v, One(a, "sameas")),
        ["odd"] = (v, _) => PyOps.AreEqual(PyArithmetic.Modulo(v, new BigInteger(2)), BigInteger.One),
        ["even"] = (v, _) => PyOps.AreEqual(PyArithmetic.Modulo(v, new BigInteger(2)), BigInteger.Zero),
        ["divisibleby"] = (v, a) => PyOps.AreEqual(PyArithmetic.Modulo(v, One(a, "divisibleby")), BigInteger.Zero),
    };

    public static bool Exists(string name) => Tests.ContainsKey(name);

    public static bool Apply(string name, object? value, IReadOnlyList<object?> arguments) => Tests[name](value, arguments);

    private static object? One(IReadOnlyList<object?> arguments, string test) =>
        arguments.Count == 1
            ? arguments[0]
            : throw new ChatTemplateException($"test '{test}' takes exactly one argument ({arguments.Count} given)", "TypeError");

    // Python's "is": None and the booleans are singletons; other values are the same only when they are one object.
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        _ => ReferenceEquals(a, b),
    };
}
