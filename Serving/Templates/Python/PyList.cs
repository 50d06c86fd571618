using System.Collections;

namespace Aspire70B.Serving.Templates.Python;

/// <summary>A Python <c>list</c> as templates see it: an ordered sequence of Python values, never mutated after it is built.</summary>
internal sealed class PyList(List<object?> items) : IReadOnlyList<object?>
{
    public PyList()
        : this([])
    {
    }

    public object? this[int index] => items[index];

    public int Count => items.Count;

    public void Add(object? item) => items.Add(item);

    public IEnumerator<object?> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A Python <c>tuple</c>: what <c>dict.items()</c> yields and what <c>a, b</c> builds in a template.</summary>
internal sealed class PyTuple(IReadOnlyList<object?> items) : IReadOnlyList<object?>
{
    public object? this[int index] => items[index];

    public int Count => items.Count;

    public IEnumerator<object?> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
