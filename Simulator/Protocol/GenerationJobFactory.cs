using System.Text.Json;
using Aspire70B.Simulator.Chat;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Faults;
using Aspire70B.Simulator.Generation;
using Aspire70B.Simulator.Options;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// Turns a request body into a <see cref="GenerationJob"/> in vLLM's order of checks: body fields, model name,
/// prompt and context length, sampling parameters. Thread-safe.
/// </summary>
internal sealed class GenerationJobFactory(
    SimulatedDeployment deployment,
    IChatPromptRenderer chatRenderer,
    IOptions<SimulatorOptions> options,
    TimeProvider time)
{
    public const string CompletionHeader = "X-Sim-Completion";
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>A test hook: <c>off</c> turns the model's automatic tool calls down for this request (needs test scripting).</summary>
    public const string ToolCallsHeader = "X-Sim-Tool-Calls";

    private static readonly CompletionShape CompletionShape = new();
    private static readonly ChatShape ChatShape = new();

    public GenerationJob ForCompletion(JsonElement body, IHeaderDictionary headers)
    {
        var fields = new JsonFields(body);
        var parameters = GenerationParameters.Read(fields, chat: false);
        var prompts = ReadPrompts(fields);
        CheckModel(parameters.Model);
        var inputs = prompts.Select(p => p.Tokens is { } tokens
                ? new PromptInput(deployment.Tokenizer.Decode(tokens), tokens)
                : new PromptInput(p.Text!, deployment.Tokenizer.Encode(p.Text!, parameters.AddSpecialTokens ?? true)))
            .ToList();
        return Build("cmpl-", parameters, inputs, CompletionShape, headers);
    }

    public GenerationJob ForChat(JsonElement body, IHeaderDictionary headers)
    {
        var fields = new JsonFields(body);
        var parameters = GenerationParameters.Read(fields, chat: true);
        if (!fields.Has("messages"))
        {
            throw RequestValidationError.Missing("messages", body).ToException();
        }

        CheckModel(parameters.Model);
        var prompt = chatRenderer.Render(body);
        var input = new PromptInput(prompt, deployment.Tokenizer.Encode(prompt, parameters.AddSpecialTokens ?? false));
        return Build("chatcmpl-", parameters, [input], ChatShape, headers);
    }

    public void CheckModel(string? model)
    {
        if (model is not null && model != deployment.ServedModelName)
        {
            throw new VllmErrorException(VllmError.ModelNotFound(model));
        }
    }

    private GenerationJob Build(string idPrefix, GenerationParameters parameters, List<PromptInput> prompts, IResponseShape shape, IHeaderDictionary headers)
    {
        foreach (var prompt in prompts)
        {
            parameters.CheckContextLength(prompt.Tokens.Count, deployment.MaxModelLen);
        }

        // Every prompt of a batch shares the sampling settings; max_tokens is capped by the longest prompt.
        var sampling = parameters.ToSampling(prompts.Max(p => p.Tokens.Count), deployment.MaxModelLen);
        try
        {
            // The engine compiles the grammar before it schedules the request; a bad schema is the client's error.
            parameters.Constraint?.Validate();
        }
        catch (Structured.SchemaException e)
        {
            throw new VllmErrorException(VllmError.BadRequest("Grammar error: " + e.Message));
        }

        var faults = options.Value.EnableFaultInjection ? FaultPlan.FromHeaders(headers) : FaultPlan.None;
        var request = new GenerationRequest(prompts, sampling)
        {
            ScriptedText = options.Value.EnableTestScripting && headers.TryGetValue(CompletionHeader, out var script) ? script.ToString() : null,
            CacheSalt = parameters.CacheSalt,
            ExtraDelayMilliseconds = faults.DelayMilliseconds,
            MaxTokensParam = parameters.MaxTokens,
            Constraint = parameters.Constraint,
            AutoToolCalls = options.Value.AutoToolCalls
                && !(options.Value.EnableTestScripting && headers.TryGetValue(ToolCallsHeader, out var toolCalls) && string.Equals(toolCalls.ToString(), "off", StringComparison.OrdinalIgnoreCase)),
        };
        var requestId = headers.TryGetValue(RequestIdHeader, out var id) && id.ToString() is { Length: > 0 } given ? given : Guid.NewGuid().ToString("N");
        var context = new ResponseContext(idPrefix + requestId, time.GetUtcNow().ToUnixTimeSeconds(), deployment.ServedModelName);
        return new GenerationJob(context, request, parameters, shape, faults);
    }

    private List<(string? Text, IReadOnlyList<int>? Tokens)> ReadPrompts(JsonFields fields)
    {
        var prompt = fields.Get("prompt");
        if (prompt is null || prompt.Value.ValueKind == JsonValueKind.String && prompt.Value.GetString()!.Length == 0)
        {
            // vLLM 0.11.0's CompletionRequest model validator (mode="before"), a request-validation error.
            throw RequestValidationError.ValueError("Either prompt or prompt_embeds must be provided and non-empty.", fields.Body).ToException();
        }

        var value = prompt.Value;
        if (value.ValueKind == JsonValueKind.String)
        {
            return [(value.GetString(), null)];
        }

        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0)
        {
            var items = value.EnumerateArray().ToList();
            if (items.All(i => i.ValueKind == JsonValueKind.String))
            {
                return [.. items.Select(i => ((string?)i.GetString(), (IReadOnlyList<int>?)null))];
            }

            if (items.All(i => i.ValueKind == JsonValueKind.Number))
            {
                return [(null, TokenIds(items))];
            }

            if (items.All(i => i.ValueKind == JsonValueKind.Array))
            {
                return [.. items.Select(i => ((string?)null, (IReadOnlyList<int>?)TokenIds([.. i.EnumerateArray()])))];
            }
        }

        throw new VllmErrorException(VllmError.BadRequest("prompt: Input should be a valid string or a list of strings or token ids"));
    }

    private List<int> TokenIds(List<JsonElement> items)
    {
        var ids = new List<int>(items.Count);
        foreach (var item in items)
        {
            if (JsonFields.AsInteger(item) is not { } id || id < 0 || id >= deployment.Tokenizer.Vocabulary.VocabSize)
            {
                throw new VllmErrorException(VllmError.BadRequest($"Token id {item.GetRawText()} is out of vocabulary"));
            }

            ids.Add((int)id);
        }

        return ids.Count > 0 ? ids : throw new VllmErrorException(VllmError.BadRequest("Either prompt or prompt_embeds must be provided and non-empty."));
    }
}
