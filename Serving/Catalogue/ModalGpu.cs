using System.Globalization;

namespace Aspire70B.Serving.Catalogue;

/// <summary>
/// A GPU request as Modal's <c>gpu=</c> parameter takes it: a type, optionally <c>!</c> (<c>H100!</c>: never upgraded to
/// an H200) or <c>+</c> (<c>B200+</c>: a B300 may serve at B200 pricing), then <c>:N</c> for N GPUs in one container.
/// The types are those Modal's GPU guide lists (the client upper-cases the string and checks that the count is an
/// integer; Modal's server checks the type and count). Immutable.
/// </summary>
/// <param name="Type">The type as Modal spells it, suffix included: <c>A100-80GB</c>, <c>H100!</c>, <c>B200+</c>.</param>
/// <param name="Count">GPUs per container: 1–8 (1–4 for A10).</param>
public sealed record ModalGpu(string Type, int Count)
{
    /// <summary>Every type Modal accepts, upper-case.</summary>
    public static IReadOnlyList<string> Types { get; } =
        ["T4", "L4", "A10", "A10G", "L40S", "A100", "A100-40GB", "A100-80GB", "RTX-PRO-6000", "H100", "H100!", "H200", "B200", "B200+"];

    /// <summary>The type without its <c>!</c> or <c>+</c>: the card the catalogue knows.</summary>
    public string BaseType => Type.TrimEnd('!', '+');

    /// <summary>Reads a Modal GPU string such as <c>H100</c>, <c>h100!</c> or <c>A100-80GB:2</c> (case-insensitive, as Modal).</summary>
    /// <exception cref="CatalogueException">Modal would refuse the string; the message says why.</exception>
    public static ModalGpu Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var type = (colon < 0 ? value : value[..colon]).ToUpperInvariant();
        var count = 1;
        if (colon >= 0 && !int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out count))
        {
            throw new CatalogueException($"'{value}' is not a Modal GPU string: the count after ':' must be an integer.");
        }

        if (!Types.Contains(type, StringComparer.Ordinal))
        {
            throw new CatalogueException($"'{value}' is not a Modal GPU string: Modal's GPU types are {string.Join(", ", Types)}.");
        }

        var most = type is "A10" or "A10G" ? 4 : 8;
        if (count < 1 || count > most)
        {
            throw new CatalogueException(string.Create(CultureInfo.InvariantCulture, $"'{value}' is not a Modal GPU string: Modal attaches 1 to {most} {type} GPUs to a container."));
        }

        return new ModalGpu(type, count);
    }

    /// <summary>The string for <c>gpu=</c>: <c>H100</c>, <c>H100!:2</c>.</summary>
    public override string ToString() => Count == 1 ? Type : string.Create(CultureInfo.InvariantCulture, $"{Type}:{Count}");
}
