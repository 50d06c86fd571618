namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// One pydantic error as FastAPI reports a request body that fails vLLM's request model (<c>RequestValidationError</c>):
/// its <c>type</c>, <c>loc</c> (prefixed with <c>'body'</c>), <c>msg</c>, <c>input</c> and, for a validator's
/// <c>ValueError</c>, <c>ctx</c>. vLLM 0.11.0's handler (<c>validation_exception_handler</c> in
/// <c>vllm/entrypoints/openai/api_server.py</c>) answers it as 400 with type <c>Bad Request</c>, <c>param</c> null and
/// the message <c>str(exc) + " " + str(exc.errors())</c>; <c>str(exc)</c> is FastAPI's <c>ValidationException.__str__</c>
/// ("1 validation error:" and the error dict on the next line, indented by two spaces).
/// </summary>
/// <param name="Type">pydantic's error type, e.g. <c>missing</c>, <c>int_type</c>, <c>value_error</c>.</param>
/// <param name="Location">The loc after <c>'body'</c>: field names and list indices.</param>
/// <param name="Message">pydantic's <c>msg</c>.</param>
/// <param name="InputRepr">The Python repr of the offending input.</param>
/// <param name="ContextRepr">The Python repr of <c>ctx</c>, when pydantic gives one.</param>
internal sealed record RequestValidationError(string Type, IReadOnlyList<object> Location, string Message, string InputRepr, string? ContextRepr = null)
{
    /// <summary>A <c>ValueError</c> raised by a model validator (<c>mode="before"</c>): loc <c>('body',)</c>, the whole body as input.</summary>
    public static RequestValidationError ValueError(string message, System.Text.Json.JsonElement body) =>
        new("value_error", [], "Value error, " + message, PythonRepr.Of(body), $"{{'error': ValueError({PythonRepr.String(message)})}}");

    /// <summary>A required field that is absent: the whole body as input.</summary>
    public static RequestValidationError Missing(string field, System.Text.Json.JsonElement body) =>
        new("missing", [field], "Field required", PythonRepr.Of(body));

    /// <summary>The error dict as Python prints it.</summary>
    public string Repr()
    {
        var loc = PythonRepr.Tuple(["body", .. Location]);
        var repr = $"{{'type': {PythonRepr.String(Type)}, 'loc': {loc}, 'msg': {PythonRepr.String(Message)}, 'input': {InputRepr}";
        return (ContextRepr is null ? repr : repr + ", 'ctx': " + ContextRepr) + "}";
    }

    /// <summary>vLLM 0.11.0's error for this request.</summary>
    public VllmError ToVllmError() => ToVllmError([this]);

    /// <summary>vLLM 0.11.0's error for a request that failed with <paramref name="errors"/>.</summary>
    public static VllmError ToVllmError(IReadOnlyList<RequestValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var reprs = errors.Select(e => e.Repr()).ToList();
        var title = errors.Count == 1 ? "1 validation error:" : $"{errors.Count} validation errors:";
        return new VllmError(400, "Bad Request", $"{title}\n  {string.Join("\n  ", reprs)} [{string.Join(", ", reprs)}]");
    }

    /// <summary>Thrown as the Simulator's error for this request.</summary>
    public VllmErrorException ToException() => new(ToVllmError());
}
