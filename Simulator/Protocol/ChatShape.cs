using System.Text.Json;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// /v1/chat/completions: <c>chat.completion</c> responses serialised in full, <c>chat.completion.chunk</c> chunks with
/// only the fields vLLM sets — a role chunk first, <c>stop_reason</c> only on the last chunk of a choice.
/// </summary>
internal sealed class ChatShape : IResponseShape
{
    private const string ChunkType = "chat.completion.chunk";

    public bool HasOpeningChunk => true;

    public void WriteOpeningChunk(Utf8JsonWriter json, ResponseContext context, int index, UsageNumbers? usage)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(context);
        json.WriteStartObject();
        ShapeParts.WriteHeader(json, context, ChunkType);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", index);
        json.WriteStartObject("delta");
        json.WriteString("role", "assistant");
        json.WriteString("content", string.Empty);
        json.WriteEndObject();
        json.WriteNull("logprobs");
        json.WriteNull("finish_reason");
        json.WriteEndObject();
        json.WriteEndArray();
        WriteRunningUsage(json, usage);
        json.WriteEndObject();
    }

    public void WriteDeltaChunk(Utf8JsonWriter json, ResponseContext context, SequenceDelta delta, UsageNumbers? usage)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(context);
        json.WriteStartObject();
        ShapeParts.WriteHeader(json, context, ChunkType);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", delta.Index);
        json.WriteStartObject("delta");
        json.WriteString("content", delta.Text);
        json.WriteEndObject();
        json.WriteNull("logprobs");
        if (delta.Finished)
        {
            ShapeParts.WriteFinish(json, delta.FinishReason, delta.StopReason);
        }
        else
        {
            json.WriteNull("finish_reason");
        }

        json.WriteEndObject();
        json.WriteEndArray();
        WriteRunningUsage(json, usage);
        json.WriteEndObject();
    }

    public void WriteUsageChunk(Utf8JsonWriter json, ResponseContext context, UsageNumbers usage) =>
        ShapeParts.WriteUsageChunk(json, context, ChunkType, usage, withDetails: false);

    public void WriteResponse(Utf8JsonWriter json, ResponseContext context, IReadOnlyList<ChoiceResult> choices, UsageNumbers usage)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(choices);
        json.WriteStartObject();
        ShapeParts.WriteHeader(json, context, "chat.completion");
        json.WriteStartArray("choices");
        foreach (var choice in choices)
        {
            json.WriteStartObject();
            json.WriteNumber("index", choice.Index);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            json.WriteString("content", choice.Text);
            json.WriteNull("refusal");
            json.WriteNull("annotations");
            json.WriteNull("audio");
            json.WriteNull("function_call");
            json.WriteStartArray("tool_calls");
            json.WriteEndArray();
            json.WriteNull("reasoning_content");
            json.WriteEndObject();
            json.WriteNull("logprobs");
            ShapeParts.WriteFinish(json, choice.FinishReason, choice.StopReason);
            json.WriteNull("token_ids");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNull("service_tier");
        json.WriteNull("system_fingerprint");
        ShapeParts.WriteUsage(json, usage, withDetails: true);
        json.WriteNull("prompt_logprobs");
        json.WriteNull("prompt_token_ids");
        json.WriteNull("kv_transfer_params");
        json.WriteEndObject();
    }

    private static void WriteRunningUsage(Utf8JsonWriter json, UsageNumbers? usage)
    {
        if (usage is { } running)
        {
            ShapeParts.WriteUsage(json, running, withDetails: false);
        }
    }
}
