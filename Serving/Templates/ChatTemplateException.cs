namespace Aspire70B.Serving.Templates;

/// <summary>
/// A chat template refused to render a conversation: its own <c>raise_exception(...)</c>, or a Python error raised while
/// it ran (for example <c>can only concatenate str (not "int") to str</c>). <see cref="Exception.Message"/> is exactly the
/// text the reference renderer (Hugging Face's Jinja environment behind vLLM) reports, so the gateway can return it as
/// an HTTP 400 the way vLLM does.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    /// <summary>Creates a template error raised by the template itself (<c>raise_exception</c>).</summary>
    public ChatTemplateException()
        : this("The chat template raised an error.")
    {
    }

    /// <summary>Creates a template error raised by the template itself (<c>raise_exception</c>).</summary>
    public ChatTemplateException(string message)
        : this(message, "TemplateError")
    {
    }

    /// <summary>Creates a template error that wraps the failure that caused it.</summary>
    public ChatTemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorType = "TemplateError";
    }

    /// <summary>Creates a template error of a given Python error type.</summary>
    /// <param name="message">The exact message.</param>
    /// <param name="errorType">The Python exception class the reference raises: <c>TemplateError</c> for
    /// <c>raise_exception</c>, <c>TypeError</c>, <c>UndefinedError</c>, <c>ValueError</c> and so on.</param>
    public ChatTemplateException(string message, string errorType)
        : base(message)
    {
        ErrorType = errorType;
    }

    /// <summary>
    /// The Python exception class the reference renderer raises for this error (<c>TemplateError</c> when the template
    /// called <c>raise_exception</c>). For logs and diagnostics; clients see only the message.
    /// </summary>
    public string ErrorType { get; }
}
