using System.Security.Cryptography;
using System.Text;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates;

/// <summary>
/// Turns a model's output, streamed or whole, into OpenAI content or tool calls. Text is forwarded as soon as it arrives,
/// unless the first non-whitespace output could start a tool call (<c>{</c>, or a prefix of <c>&lt;|python_tag|&gt;</c>):
/// then it is held only until the text can no longer be tool calls (and is released as content), or until the end of
/// the stream (and becomes tool calls if it parses as calls to offered functions). Leading whitespace is held with it.
/// One instance per response; not thread-safe.
/// </summary>
public sealed class ModelOutputParser
{
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private readonly Llama31ToolCallScanner? _scanner;
    private readonly Func<string> _newCallId;
    private readonly StringBuilder _held = new();
    private bool _passThrough;
    private bool _completed;

    internal ModelOutputParser(bool parsesToolCalls, IReadOnlyCollection<string> offeredToolNames, Func<string>? newCallId = null)
    {
        ArgumentNullException.ThrowIfNull(offeredToolNames);
        _scanner = parsesToolCalls && offeredToolNames.Count > 0 ? new Llama31ToolCallScanner(offeredToolNames) : null;
        _passThrough = _scanner is null;
        _newCallId = newCallId ?? NewCallId;
    }

    /// <summary>Whether output is being held back because it may still turn out to be tool calls.</summary>
    public bool IsHolding => !_passThrough && _held.Length > 0;

    /// <summary>Takes the next piece of output and returns the text to forward to the client now (possibly empty).</summary>
    public string Append(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ThrowIfCompleted();
        if (_passThrough)
        {
            return text;
        }

        _held.Append(text);
        _scanner!.Feed(text);
        if (!_scanner.IsRejected)
        {
            return string.Empty;
        }

        _passThrough = true;
        var released = _held.ToString();
        _held.Clear();
        return released;
    }

    /// <summary>
    /// Ends the stream. Returns the tool calls, or as <see cref="ModelOutput.Content"/> the text still held back (empty
    /// when everything was already forwarded by <see cref="Append"/>).
    /// </summary>
    public ModelOutput Complete()
    {
        ThrowIfCompleted();
        _completed = true;
        if (!_passThrough && _scanner!.IsComplete)
        {
            return new ModelOutput(null, [.. _scanner.Calls.Select(c => new ToolCall(_newCallId(), c.Name, PyJson.Dumps(c.Arguments, JsonFormat.Compact)))]);
        }

        var rest = _held.ToString();
        _held.Clear();
        return new ModelOutput(rest, []);
    }

    /// <summary>Reads a whole (non-streamed) output: the same decision as streaming it, in one call.</summary>
    public ModelOutput ParseAll(string output)
    {
        var forwarded = Append(output);
        var end = Complete();
        return end.HasToolCalls ? end : new ModelOutput(forwarded + end.Content, []);
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("The output stream is already complete.");
        }
    }

    internal static string NewCallId() => "call_" + RandomNumberGenerator.GetString(IdAlphabet, 24);
}
