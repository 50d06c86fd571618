using System.Globalization;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// Jinja's default <c>Undefined</c>: a missing variable, key, attribute or element. It prints as nothing, is false,
/// iterates as empty and has length 0; any arithmetic, comparison, call, attribute or item access on it fails with
/// Jinja's own message (<c>'x' is undefined</c>, <c>'dict object' has no attribute 'x'</c>, <c>list object has no element 0</c>).
/// </summary>
internal sealed class Undefined
{
    // Templates test for missing things all the time (`is defined`, `message.tool_calls`) and print nothing for them:
    // the message is only composed when an error needs it.
    private readonly string? _name;
    private readonly object? _owner;
    private readonly object? _key;
    private string? _message;

    private Undefined(string? message, string? name = null, object? owner = null, object? key = null)
    {
        _message = message;
        _name = name;
        _owner = owner;
        _key = key;
    }

    public string Message => _message ??= _name is not null
        ? $"'{_name}' is undefined"
        : _key is string attribute
            ? $"'{ObjectTypeRepr(_owner)}' has no attribute {PyString.Repr(attribute)}"
            : $"{ObjectTypeRepr(_owner)} has no element {PyOps.Repr(_key)}";

    public static Undefined Named(string name) => new(null, name);

    public static Undefined Member(object? owner, object? key) => new(null, owner: owner, key: key);

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
