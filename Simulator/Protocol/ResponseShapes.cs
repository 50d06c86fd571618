using System.Text.Json;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Protocol;

/// <summary>What every chunk and response of one request repeats.</summary>
internal sealed record ResponseContext(string Id, long Created, string Model);

/// <summary>Token counts for a <c>usage</c> object.</summary>
internal readonly record struct UsageNumbers(int Prompt, int Completion);

/// <summary>The finished text and end of one choice, for a non-streamed response.</summary>
internal sealed record ChoiceResult(int Index, string Text, string FinishReason, StopReason StopReason);

/// <summary>
/// The JSON of one endpoint's responses and stream chunks, field for field as vLLM (0.11 era) serialises them:
/// completions with every field (<c>model_dump</c>), chat chunks with only the fields vLLM sets (<c>exclude_unset</c>).
/// </summary>
internal interface IResponseShape
{
    /// <summary>True when each choice's stream begins with a chunk of its own (chat's role chunk).</summary>
    bool HasOpeningChunk { get; }

    void WriteOpeningChunk(Utf8JsonWriter json, ResponseContext context, int index, UsageNumbers? usage);

    void WriteDeltaChunk(Utf8JsonWriter json, ResponseContext context, SequenceDelta delta, UsageNumbers? usage);

    void WriteUsageChunk(Utf8JsonWriter json, ResponseContext context, UsageNumbers usage);

    void WriteResponse(Utf8JsonWriter json, ResponseContext context, IReadOnlyList<ChoiceResult> choices, UsageNumbers usage);
}

/// <summary>JSON pieces both shapes use.</summary>
internal static class ShapeParts
{
    public static void WriteHeader(Utf8JsonWriter json, ResponseContext context, string objectType)
    {
        json.WriteString("id", context.Id);
        json.WriteString("object", objectType);
        json.WriteNumber("created", context.Created);
        json.WriteString("model", context.Model);
    }

    /// <summary><c>UsageInfo</c>: prompt, total, completion, and <c>prompt_tokens_details</c> when serialised in full.</summary>
    public static void WriteUsage(Utf8JsonWriter json, UsageNumbers usage, bool withDetails)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", usage.Prompt);
        json.WriteNumber("total_tokens", usage.Prompt + usage.Completion);
        json.WriteNumber("completion_tokens", usage.Completion);
        if (withDetails)
        {
            json.WriteNull("prompt_tokens_details");
        }

        json.WriteEndObject();
    }

    public static void WriteFinish(Utf8JsonWriter json, string? finishReason, StopReason stopReason)
    {
        if (finishReason is null)
        {
            json.WriteNull("finish_reason");
        }
        else
        {
            json.WriteString("finish_reason", finishReason);
        }

        if (stopReason.Text is { } text)
        {
            json.WriteString("stop_reason", text);
        }
        else if (stopReason.TokenId is { } id)
        {
            json.WriteNumber("stop_reason", id);
        }
        else
        {
            json.WriteNull("stop_reason");
        }
    }

    /// <summary>The final usage-only chunk: the header, an empty <c>choices</c> and the usage.</summary>
    public static void WriteUsageChunk(Utf8JsonWriter json, ResponseContext context, string objectType, UsageNumbers usage, bool withDetails)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(context);
        json.WriteStartObject();
        WriteHeader(json, context, objectType);
        json.WriteStartArray("choices");
        json.WriteEndArray();
        WriteUsage(json, usage, withDetails);
        json.WriteEndObject();
    }
}
