namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// Variables visible to a part of a template. Jinja gives each loop iteration a scope of its own, so a <c>set</c>
/// inside a <c>for</c> body is gone after the iteration; <c>if</c> blocks share their parent's scope.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;

    private Scope? Parent { get; } = parent;
}
