namespace Aspire70B.Serving.Templates;

/// <summary>What a template does with request text that spells one of the model's special tokens.</summary>
public enum SpecialTokenPolicy
{
    /// <summary>
    /// Refuse the request with a <see cref="SpecialTokenException"/> that names the token and the message. The default:
    /// nothing a client writes can become a control token.
    /// </summary>
    Reject = 0,

    /// <summary>
    /// Render the request with every special-token spelling neutralised: a ZERO WIDTH SPACE (U+200B) goes right after the
    /// token's first character (<c>&lt;|eot_id|&gt;</c> becomes <c>&lt;\u200B|eot_id|&gt;</c>). The text still reads the
    /// same, removing U+200B restores it, and it can no longer tokenize to the special token. U+200B is not whitespace to
    /// Python, so the templates' <c>trim</c> keeps it.
    /// </summary>
    Escape = 1,
}
