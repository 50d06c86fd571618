using System.Globalization;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// Jinja's default <c>Undefined</c>: a missing variable, key, attribute or element. It prints as nothing, is false,
/// iterates as empty and has length 0; any arithmetic, comparison, call, attribute or item access on it fails with
/// Jinja's own message (<c>'x' is undefined</c>, <c>'dict object' has no attribute 'x'</c>, <c>list object has no element 0</c>).
/// </summary>
internal sealed class Undefined
{
    private Undefined(string message) => Message = message;

    public string Message { get; }

    public static Undefined Named(string name) => new($"'{name}' is undefined");

    public static Undefined Member(object? owner, object? key) => key is string name
        ? new Undefined($"'{ObjectTypeRepr(owner)}' has no attribute {PyString.Repr(name)}")
        : new Undefined($"{ObjectTypeRepr(owner)} has no element {PyOps.Repr(key)}");

    public static Undefined WithHint(string hint) => new(hint);

    public ChatTemplateException Error() => new(Message, "UndefinedError");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Undefined({Message})");

    private static string ObjectTypeRepr(object? owner) => owner is null ? "None" : $"{PyOps.TypeName(owner)} object";
}

/// <summary>Something a template can call: a global such as <c>raise_exception</c> or a bound method such as <c>str.strip</c>.</summary>
internal interface IPyCallable
{
    string Name { get; }

    object? Invoke(CallArguments arguments);
}
