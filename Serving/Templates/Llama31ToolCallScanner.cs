using System.Text;
using System.Text.Json;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates;

/// <summary>
/// Reads model output one character at a time and decides, as early as the text allows, whether it is Llama 3.1
/// JSON tool calls: optional whitespace, an optional <c>&lt;|python_tag|&gt;</c>, then one or more objects
/// <c>{"name": ..., "parameters"|"arguments": {...}}</c> separated by <c>;</c>, each naming an offered function.
/// Any other character at any point rejects the whole output. Not thread-safe.
/// </summary>
internal sealed class Llama31ToolCallScanner(IReadOnlyCollection<string> offeredTools)
{
    public const string PythonTag = "<|python_tag|>";

    private readonly HashSet<string> _offeredTools = new(offeredTools, StringComparer.Ordinal);
    private readonly StringBuilder _object = new();
    private readonly List<(string Name, PyDict Arguments)> _calls = [];
    private Phase _phase = Phase.Leading;
    private int _tagMatched;
    private int _depth;
    private bool _inString;
    private bool _escaped;

    private enum Phase
    {
        Leading,
        Tag,
        AfterTag,
        ObjectStart,
        Object,
        AfterObject,
        AfterSeparator,
        Rejected,
    }

    public bool IsRejected => _phase == Phase.Rejected;

    /// <summary>Whether the output read so far is complete tool calls (it may still turn into text if more follows).</summary>
    public bool IsComplete => (_phase is Phase.AfterObject or Phase.AfterSeparator) && _calls.Count > 0;

    public IReadOnlyList<(string Name, PyDict Arguments)> Calls => _calls;

    public void Feed(string text)
    {
        foreach (var c in text)
        {
            if (_phase == Phase.Rejected)
            {
                return;
            }

            _phase = Step(c);
        }
    }

    private Phase Step(char c)
    {
        switch (_phase)
        {
            case Phase.Leading:
                return PyString.IsSpace(c) ? Phase.Leading : c == '{' ? StartObject() : c == '<' ? StartTag() : Phase.Rejected;
            case Phase.Tag:
                if (c != PythonTag[_tagMatched])
                {
                    return Phase.Rejected;
                }

                return ++_tagMatched == PythonTag.Length ? Phase.AfterTag : Phase.Tag;
            case Phase.AfterTag or Phase.AfterSeparator:
                return PyString.IsSpace(c) ? _phase : c == '{' ? StartObject() : Phase.Rejected;
            case Phase.ObjectStart:
                _object.Append(c);
                if (PyString.IsSpace(c))
                {
                    return Phase.ObjectStart;
                }

                // A call object's first member is a key, so anything but a string here is not a call.
                _inString = c == '"';
                return _inString ? Phase.Object : Phase.Rejected;
            case Phase.Object:
                _object.Append(c);
                return ScanObject(c);
            case Phase.AfterObject:
                return PyString.IsSpace(c) ? Phase.AfterObject : c == ';' ? Phase.AfterSeparator : Phase.Rejected;
            default:
                return Phase.Rejected;
        }
    }

    private Phase StartTag()
    {
        _tagMatched = 1;
        return Phase.Tag;
    }

    private Phase StartObject()
    {
        _object.Clear().Append('{');
        _depth = 1;
        _inString = false;
        _escaped = false;
        return Phase.ObjectStart;
    }

    // Tracks strings and nesting only; the finished object is validated by a real JSON parser.
    private Phase ScanObject(char c)
    {
        if (_inString)
        {
            if (_escaped)
            {
                _escaped = false;
            }
            else if (c == '\\')
            {
                _escaped = true;
            }
            else if (c == '"')
            {
                _inString = false;
            }

            return Phase.Object;
        }

        switch (c)
        {
            case '"':
                _inString = true;
                break;
            case '{' or '[':
                _depth++;
                break;
            case '}' or ']':
                if (--_depth == 0)
                {
                    return TryAddCall(_object.ToString()) ? Phase.AfterObject : Phase.Rejected;
                }

                break;
        }

        return Phase.Object;
    }

    private bool TryAddCall(string json)
    {
        object? value;
        try
        {
            value = PyJson.Loads(json);
        }
        catch (JsonException)
        {
            return false;
        }

        if (value is not PyDict call || !call.TryGetValue("name", out var name) || name is not string toolName || !_offeredTools.Contains(toolName))
        {
            return false;
        }

        var hasParameters = call.TryGetValue("parameters", out var parameters);
        var hasArguments = call.TryGetValue("arguments", out var arguments);
        if (hasParameters == hasArguments || (hasParameters ? parameters : arguments) is not PyDict argumentObject)
        {
            return false;
        }

        _calls.Add((toolName, argumentObject));
        return true;
    }
}
