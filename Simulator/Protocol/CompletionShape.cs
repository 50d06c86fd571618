using System.Text.Json;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Protocol;

/// <summary>/v1/completions: <c>text_completion</c> objects, every field serialised, <c>"usage": null</c> on plain chunks.</summary>
internal sealed class CompletionShape : IResponseShape
{
    private const string ObjectType = "text_completion";

    public bool HasOpeningChunk => false;

    public void WriteOpeningChunk(Utf8JsonWriter json, ResponseContext context, int index, UsageNumbers? usage) =>
        throw new NotSupportedException("Completion streams have no opening chunk.");

    public void WriteDeltaChunk(Utf8JsonWriter json, ResponseContext context, SequenceDelta delta, UsageNumbers? usage)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(context);
        json.WriteStartObject();
        ShapeParts.WriteHeader(json, context, ObjectType);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", delta.Index);
        json.WriteString("text", delta.Text);
        json.WriteNull("logprobs");
        ShapeParts.WriteFinish(json, delta.FinishReason, delta.StopReason);
        json.WriteNull("prompt_token_ids");
        json.WriteNull("token_ids");
        json.WriteEndObject();
        json.WriteEndArray();
        if (usage is { } running)
        {
            ShapeParts.WriteUsage(json, running, withDetails: true);
        }
        else
        {
            json.WriteNull("usage");
        }

        json.WriteEndObject();
    }

    public void WriteUsageChunk(Utf8JsonWriter json, ResponseContext context, UsageNumbers usage) =>
        // vLLM 0.11.0 writes the final usage chunk with exclude_none=True (serving_completion.py): no prompt_tokens_details.
        ShapeParts.WriteUsageChunk(json, context, ObjectType, usage, withDetails: false);

    public void WriteResponse(Utf8JsonWriter json, ResponseContext context, IReadOnlyList<ChoiceResult> choices, UsageNumbers usage)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(choices);
        json.WriteStartObject();
        ShapeParts.WriteHeader(json, context, ObjectType);
        json.WriteStartArray("choices");
        foreach (var choice in choices)
        {
            json.WriteStartObject();
            json.WriteNumber("index", choice.Index);
            json.WriteString("text", choice.Text);
            json.WriteNull("logprobs");
            ShapeParts.WriteFinish(json, choice.FinishReason, choice.StopReason);
            json.WriteNull("token_ids");
            json.WriteNull("prompt_logprobs");
            json.WriteNull("prompt_token_ids");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNull("service_tier");
        json.WriteNull("system_fingerprint");
        ShapeParts.WriteUsage(json, usage, withDetails: true);
        json.WriteNull("kv_transfer_params");
        json.WriteEndObject();
    }
}
