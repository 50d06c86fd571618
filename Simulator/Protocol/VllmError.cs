using System.Net;
using System.Text.Json;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// An error as vLLM's newer servers send it: <c>{"error":{"message","type","param","code"}}</c>, HTTP status = code.
/// </summary>
internal sealed record VllmError(int Code, string Type, string Message, string? Param = null)
{
    public static VllmError BadRequest(string message, string? param = null) => new(400, "BadRequestError", message, param);

    /// <summary>A <c>VLLMValidationError</c>: the message gets <c> (parameter=…, value=…)</c> appended.</summary>
    public static VllmError Validation(string message, string parameter, string? value) =>
        BadRequest(value is null ? $"{message} (parameter={parameter})" : $"{message} (parameter={parameter}, value={value})", parameter);

    public static VllmError ModelNotFound(string model) => new(404, "NotFoundError", $"The model `{model}` does not exist.", "model");

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
