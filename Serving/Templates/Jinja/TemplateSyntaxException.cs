namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// Template source this engine cannot read: a syntax error, or a Jinja feature it does not implement. Raised when a
/// template is parsed, never while it renders, so an unsupported construct can never render silently wrong.
/// </summary>
internal sealed class TemplateSyntaxException(string message, int line)
    : Exception($"{message} (line {line})")
{
    public int Line { get; } = line;
}
