namespace Aspire70B.Serving.Templates.Jinja;

/// <summary>
/// A template parsed once and rendered many times, as Hugging Face's <c>ImmutableSandboxedEnvironment(trim_blocks=True,
/// lstrip_blocks=True)</c> with <c>raise_exception</c> and its <c>tojson</c> would render it. Immutable and thread-safe.
/// </summary>
internal sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Statement> _body;

    private JinjaTemplate(IReadOnlyList<Statement> body) => _body = body;

    /// <summary>Parses <paramref name="source"/>; <see cref="TemplateSyntaxException"/> for anything this engine does not support.</summary>
    public static JinjaTemplate Parse(string source) => new(JinjaParser.Parse(source));

    /// <summary>Renders with <paramref name="variables"/>; <see cref="ChatTemplateException"/> when the template or a Python operation fails.</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables) => JinjaRenderer.Render(_body, variables);
}
