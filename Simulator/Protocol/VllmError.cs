using System.Net;
using System.Text.Json;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// An error as vLLM 0.11.0 sends it (<c>ErrorResponse</c>/<c>ErrorInfo</c> in <c>vllm/entrypoints/openai/protocol.py</c>,
/// dumped with nulls): <c>{"error":{"message","type","param","code"}}</c>, HTTP status = code.
/// </summary>
internal sealed record VllmError(int Code, string Type, string Message, string? Param = null)
{
    public static VllmError BadRequest(string message, string? param = null) => new(400, "BadRequestError", message, param);

    /// <summary>vLLM 0.11.0's <c>_check_model</c>: 404 <c>NotFoundError</c>, <c>param</c> null (later versions say <c>"model"</c>).</summary>
    public static VllmError ModelNotFound(string model) => new(404, "NotFoundError", $"The model `{model}` does not exist.");

    /// <summary>The error type vLLM names for a status it sends.</summary>
    public static VllmError ForStatus(int status, string message) => new(status, status switch
    {
        400 => "BadRequestError",
        401 => "UnauthorizedError",
        404 => "NotFoundError",
        429 => "TooManyRequestsError",
        501 => "NotImplementedError",
        503 => "ServiceUnavailableError",
        _ => status >= 500 ? "InternalServerError" : ((HttpStatusCode)status).ToString() + "Error",
    }, message);

    public byte[] ToJsonBytes()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonFormat.Compact))
        {
            WriteTo(json);
        }

        return buffer.ToArray();
    }

    public void WriteTo(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", Message);
        json.WriteString("type", Type);
        if (Param is null)
        {
            json.WriteNull("param");
        }
        else
        {
            json.WriteString("param", Param);
        }

        json.WriteNumber("code", Code);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}

/// <summary>Thrown while reading or checking a request; answered as <see cref="Error"/>.</summary>
internal sealed class VllmErrorException : Exception
{
    public VllmErrorException()
        : this(VllmError.BadRequest("Bad request."))
    {
    }

    public VllmErrorException(string message)
        : this(VllmError.BadRequest(message))
    {
    }

    public VllmErrorException(string message, Exception innerException)
        : base(message, innerException) => Error = VllmError.BadRequest(message);

    public VllmErrorException(VllmError error)
        : base(error?.Message) => Error = error!;

    public VllmError Error { get; }
}
