using System.Numerics;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>Jinja's <c>loop</c> variable inside a <c>for</c> body: <c>loop.index0</c>, <c>loop.first</c>, <c>loop.last</c> and the rest.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items, int index)
{
    private static readonly object Missing = new();

    public bool TryGet(string attribute, out object? value)
    {
        var length = items.Count;
        value = attribute switch
        {
            "index" => new BigInteger(index + 1),
            "index0" => new BigInteger(index),
            "revindex" => new BigInteger(length - index),
            "revindex0" => new BigInteger(length - index - 1),
            "first" => index == 0,
            "last" => index == length - 1,
            "length" => new BigInteger(length),
            "depth" => BigInteger.One,
            "depth0" => BigInteger.Zero,
            "previtem" => index > 0 ? items[index - 1] : Undefined.WithHint("there is no previous item"),
            "nextitem" => index < length - 1 ? items[index + 1] : Undefined.WithHint("there is no next item"),
            "cycle" => new Cycle(index),
            _ => Missing,
        };
        return !ReferenceEquals(value, Missing);
    }

    public override string ToString() => $"<LoopContext {index + 1}/{items.Count}>";

    private sealed class Cycle(int index) : IPyCallable
    {
        public string Name => "cycle";

        public object? Invoke(CallArguments arguments)
        {
            var values = arguments.PositionalOnly("cycle");
            return values.Count == 0
                ? throw new ChatTemplateException("no items for cycling given", "TypeError")
                : values[index % values.Count];
        }
    }
}
