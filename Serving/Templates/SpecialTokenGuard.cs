using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates;

/// <summary>
/// Applies a <see cref="SpecialTokenPolicy"/> to everything a client controls that reaches the template: every string
/// (keys included) of every message, of <c>tools</c> and of <c>chat_template_kwargs</c>.
/// </summary>
internal static class SpecialTokenGuard
{
    public static TemplateInput Apply(ChatTemplateRequest request, SpecialTokenVocabulary vocabulary, SpecialTokenPolicy policy)
    {
        switch (policy)
        {
            case SpecialTokenPolicy.Reject:
                for (var i = 0; i < request.Messages.Count; i++)
                {
                    Check(request.Messages[i], $"messages[{i}]", i, vocabulary);
                }

                Check(request.Tools, "tools", null, vocabulary);
                Check(request.TemplateKwargs, "chat_template_kwargs", null, vocabulary);
                return new TemplateInput(request.Messages, request.Tools, request.TemplateKwargs);
            case SpecialTokenPolicy.Escape:
                return new TemplateInput(
                    (PyList)Escape(request.Messages, vocabulary)!,
                    (PyList?)Escape(request.Tools, vocabulary),
                    (PyDict)Escape(request.TemplateKwargs, vocabulary)!);
            default:
                throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown special-token policy.");
        }
    }

    private static void Check(object? value, string path, int? messageIndex, SpecialTokenVocabulary vocabulary)
    {
        switch (value)
        {
            case string text:
                if (vocabulary.FindFirst(text) is { } token)
                {
                    throw new SpecialTokenException(token, messageIndex, path);
                }

                break;
            case PyDict dict:
                foreach (var (key, item) in dict)
                {
                    var itemPath = $"{path}.{key}";
                    Check(key, itemPath, messageIndex, vocabulary);
                    Check(item, itemPath, messageIndex, vocabulary);
                }

                break;
            case PyList or PyTuple:
                var items = (IReadOnlyList<object?>)value;
                for (var i = 0; i < items.Count; i++)
                {
                    Check(items[i], $"{path}[{i}]", messageIndex, vocabulary);
                }

                break;
        }
    }

    private static object? Escape(object? value, SpecialTokenVocabulary vocabulary)
    {
        switch (value)
        {
            case string text:
                return vocabulary.Escape(text);
            case PyDict dict:
                var escaped = new PyDict();
                foreach (var (key, item) in dict)
                {
                    escaped.Set(vocabulary.Escape(key), Escape(item, vocabulary));
                }

                return escaped;
            case PyList list:
                return new PyList([.. list.Select(item => Escape(item, vocabulary))]);
            case PyTuple tuple:
                return new PyTuple([.. tuple.Select(item => Escape(item, vocabulary))]);
            default:
                return value;
        }
    }
}

/// <summary>The request values a template renders, after the special-token policy.</summary>
internal sealed record TemplateInput(PyList Messages, PyList? Tools, PyDict TemplateKwargs);
