namespace Aspire70B.Serving.Catalogue;

/// <summary>A name that is not in a catalogue, or a model configuration the planner cannot use.</summary>
public sealed class CatalogueException : Exception
{
    /// <summary>Creates the exception with a message that names the valid values.</summary>
    public CatalogueException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CatalogueException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public CatalogueException()
    {
    }

    internal static CatalogueException Unknown(string what, string value, IEnumerable<string> valid) =>
        new($"Unknown {what} '{value}'. Valid values: {string.Join(", ", valid)}.");
}
