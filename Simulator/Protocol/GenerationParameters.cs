using System.Globalization;
using Aspire70B.Simulator.Generation;

namespace Aspire70B.Simulator.Protocol;

/// <summary>
/// The fields /v1/completions and /v1/chat/completions share, read from the body, and vLLM 0.11.0's checks on them:
/// the context length (<c>OpenAIServing._validate_input</c>), then <c>SamplingParams._verify_args</c> (plain
/// <c>ValueError</c>s: 400 <c>BadRequestError</c> with <c>param</c> null; the <c> (parameter=…, value=…)</c> suffix came
/// after 0.11).
/// </summary>
internal sealed record GenerationParameters
{
    /// <summary>Llama 3.1 Instruct's generation_config, which vLLM applies to unset sampling fields.</summary>
    public const double ModelDefaultTemperature = 0.6;

    public const int CompletionsDefaultMaxTokens = 16;

    public string? Model { get; init; }

    public bool Stream { get; init; }

    public bool IncludeUsage { get; init; }

    public bool ContinuousUsage { get; init; }

    /// <summary>The requested output tokens; null when the request leaves it to the server.</summary>
    public long? MaxTokens { get; init; }

    public long N { get; init; } = 1;

    /// <summary>The most choices one request may ask for in the simulator.</summary>
    public const long MaxChoices = 1024;

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public long? TopK { get; init; }

    public double? MinP { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    public double? RepetitionPenalty { get; init; }

    public long? Seed { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    public bool IgnoreEos { get; init; }

    public long MinTokens { get; init; }

    public bool IncludeStopStrInOutput { get; init; }

    public bool SkipSpecialTokens { get; init; } = true;

    public bool? AddSpecialTokens { get; init; }

    public string? CacheSalt { get; init; }

    /// <summary>The structured-output constraint (<c>structured_outputs</c> or <c>response_format</c>), if any.</summary>
    public Structured.OutputConstraint? Constraint { get; init; }

    public static GenerationParameters Read(JsonFields body, bool chat)
    {
        var stream = body.Bool("stream") ?? false;
        var options = body.Get("stream_options");
        if (options is { } given && given.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            throw new RequestValidationError("model_type", ["stream_options"], "Input should be a valid dictionary or instance of StreamOptions", PythonRepr.Of(given), "{'class_name': 'StreamOptions'}").ToException();
        }

        // pydantic's "before" validator sees a non-empty stream_options without stream=True.
        if (options is { } sent && sent.EnumerateObject().Any() && !stream)
        {
            throw RequestValidationError.ValueError("Stream options can only be defined when `stream=True`.", body.Body).ToException();
        }

        var streamOptions = options is { } o ? new JsonFields(o) : (JsonFields?)null;
        var includeUsage = streamOptions is { } so && (so.Bool("include_usage") ?? true);
        var maxTokens = chat ? body.Integer("max_completion_tokens") ?? body.Integer("max_tokens") : body.Integer("max_tokens") ?? CompletionsDefaultMaxTokens;
        return new GenerationParameters
        {
            Model = body.String("model"),
            Stream = stream,
            IncludeUsage = includeUsage,
            ContinuousUsage = includeUsage && (streamOptions?.Bool("continuous_usage_stats") ?? false),
            MaxTokens = maxTokens,
            N = body.Integer("n") ?? 1,
            Temperature = body.Number("temperature"),
            TopP = body.Number("top_p"),
            TopK = body.Integer("top_k"),
            MinP = body.Number("min_p"),
            PresencePenalty = body.Number("presence_penalty"),
            FrequencyPenalty = body.Number("frequency_penalty"),
            RepetitionPenalty = body.Number("repetition_penalty"),
            Seed = body.Integer("seed"),
            Stop = body.StringOrList("stop"),
            StopTokenIds = body.IntegerList("stop_token_ids"),
            IgnoreEos = body.Bool("ignore_eos") ?? false,
            MinTokens = body.Integer("min_tokens") ?? 0,
            IncludeStopStrInOutput = body.Bool("include_stop_str_in_output") ?? false,
            SkipSpecialTokens = body.Bool("skip_special_tokens") ?? true,
            AddSpecialTokens = body.Bool("add_special_tokens"),
            CacheSalt = body.String("cache_salt"),
            Constraint = Structured.StructuredOutputsReader.Read(body),
        };
    }

    /// <summary>
    /// vLLM 0.11.0's context check for one prompt (<c>OpenAIServing._validate_input</c>): a prompt of the whole context
    /// or more is refused; so is one that fits but leaves less room than the requested output tokens (when requested).
    /// Both errors have <c>param</c> null.
    /// </summary>
    public void CheckContextLength(int promptTokens, int maxModelLen)
    {
        if (promptTokens >= maxModelLen)
        {
            throw new VllmErrorException(VllmError.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"This model's maximum context length is {maxModelLen} tokens. However, your request has {promptTokens} input tokens. Please reduce the length of the input messages.")));
        }

        if (MaxTokens is { } requested && promptTokens + requested > maxModelLen)
        {
            throw new VllmErrorException(VllmError.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"'max_tokens' or 'max_completion_tokens' is too large: {requested}. This model's maximum context length is {maxModelLen} tokens and your request has {promptTokens} input tokens ({requested} > {maxModelLen} - {promptTokens}).")));
        }
    }

    /// <summary>The engine's settings for a prompt of <paramref name="promptTokens"/> tokens, after <c>_verify_args</c>.</summary>
    public SamplingSettings ToSampling(int promptTokens, int maxModelLen)
    {
        // get_max_tokens: the request's value, capped by what the context leaves.
        var room = (long)maxModelLen - promptTokens;
        var maxTokens = MaxTokens is { } requested ? Math.Min(requested, room) : room;
        var temperature = Temperature ?? ModelDefaultTemperature;
        Verify(maxTokens, temperature);
        return new SamplingSettings
        {
            N = (int)N,
            MaxTokens = (int)maxTokens,
            MinTokens = (int)MinTokens,
            IgnoreEos = IgnoreEos,
            Temperature = temperature,
            Seed = Seed,
            Stop = Stop,
            StopTokenIds = StopTokenIds,
            IncludeStopStrInOutput = IncludeStopStrInOutput,
            SkipSpecialTokens = SkipSpecialTokens,
        };
    }

    private void Verify(long maxTokens, double temperature)
    {
        static string F(double value) => PythonFormat.Float(value);
        static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

        if (N < 1)
        {
            throw Plain($"n must be at least 1, got {I(N)}.");
        }

        // vLLM itself sets no upper bound (it would queue n sequences until memory runs out); the simulator keeps
        // every choice in memory, so it refuses what no GPU could hold instead of failing on it.
        if (N > MaxChoices)
        {
            throw Plain($"n must be at most {I(MaxChoices)} in the simulator, got {I(N)}.");
        }

        if (PresencePenalty is { } presence && !(presence is >= -2 and <= 2))
        {
            throw Plain($"presence_penalty must be in [-2, 2], got {F(presence)}.");
        }

        if (FrequencyPenalty is { } frequency && !(frequency is >= -2 and <= 2))
        {
            throw Plain($"frequency_penalty must be in [-2, 2], got {F(frequency)}.");
        }

        if (RepetitionPenalty is { } repetition && !(repetition > 0))
        {
            throw Plain($"repetition_penalty must be greater than zero, got {F(repetition)}.");
        }

        if (temperature < 0)
        {
            throw Plain($"temperature must be non-negative, got {F(temperature)}.");
        }

        if (TopP is { } topP && !(topP > 0 && topP <= 1))
        {
            throw Plain($"top_p must be in (0, 1], got {F(topP)}.");
        }

        if (TopK is < -1)
        {
            throw Plain($"top_k must be 0 (disable), or at least 1, got {I(TopK.Value)}.");
        }

        if (MinP is { } minP && !(minP is >= 0 and <= 1))
        {
            throw Plain($"min_p must be in [0, 1], got {F(minP)}.");
        }

        if (maxTokens < 1)
        {
            throw Plain($"max_tokens must be at least 1, got {I(maxTokens)}.");
        }

        if (MinTokens < 0)
        {
            throw Plain($"min_tokens must be greater than or equal to 0, got {I(MinTokens)}.");
        }

        if (MinTokens > maxTokens)
        {
            throw Plain($"min_tokens must be less than or equal to max_tokens={I(maxTokens)}, got {I(MinTokens)}.");
        }

        if (Stop.Any(string.IsNullOrEmpty))
        {
            throw Plain("stop cannot contain an empty string.");
        }
    }

    private static VllmErrorException Plain(string message) => new(VllmError.BadRequest(message));
}
