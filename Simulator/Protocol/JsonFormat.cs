using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aspire70B.Simulator.Protocol;

/// <summary>How the Simulator writes JSON: compact like pydantic and FastAPI, non-ASCII text unescaped like theirs.</summary>
internal static class JsonFormat
{
    public static JsonWriterOptions Compact { get; } = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };
}
