namespace Aspire70B.Serving.Templates.Python;

/// <summary>
/// The evaluated arguments of a call, filter or test, bound to a Python-style signature by name or position.
/// Binding is strict: an argument the callee does not take is an error, as in Python.
/// </summary>
internal sealed class CallArguments
{
    public static readonly CallArguments None = new([], []);

    private readonly IReadOnlyList<object?> _positional;
    private readonly IReadOnlyList<KeyValuePair<string, object?>> _keyword;

    public CallArguments(IReadOnlyList<object?> positional, IReadOnlyList<KeyValuePair<string, object?>> keyword)
    {
        _positional = positional;
        _keyword = keyword;
    }

    public IReadOnlyList<object?> Positional => _positional;

    /// <summary>
    /// Binds the arguments to <paramref name="parameters"/> (Python names, in positional order) and returns one value
    /// per parameter; a parameter not given gets <paramref name="defaults"/>' value at the same index.
    /// </summary>
    public object?[] Bind(string callee, string[] parameters, object?[] defaults)
    {
        if (_positional.Count > parameters.Length)
        {
            throw new ChatTemplateException(
                $"{callee}() takes at most {parameters.Length} argument(s) ({_positional.Count} given)", "TypeError");
        }

        var values = (object?[])defaults.Clone();
        var given = new bool[parameters.Length];
        for (var i = 0; i < _positional.Count; i++)
        {
            values[i] = _positional[i];
            given[i] = true;
        }

        foreach (var (name, value) in _keyword)
        {
            var index = Array.IndexOf(parameters, name);
            if (index < 0)
            {
                throw new ChatTemplateException($"{callee}() got an unexpected keyword argument '{name}'", "TypeError");
            }

            if (given[index])
            {
                throw new ChatTemplateException($"{callee}() got multiple values for argument '{name}'", "TypeError");
            }

            values[index] = value;
            given[index] = true;
        }

        return values;
    }

    /// <summary>Refuses keyword arguments, for callees that take positional arguments only.</summary>
    public IReadOnlyList<object?> PositionalOnly(string callee)
    {
        return _keyword.Count > 0
            ? throw new ChatTemplateException($"{callee}() takes no keyword arguments", "TypeError")
            : _positional;
    }
}
