using System.Diagnostics;
using System.Diagnostics.Metrics;
using Aspire70B.ApiService.Backend;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Telemetry;

/// <summary>
/// Spans and metrics after OpenTelemetry's GenAI semantic conventions: a <c>chat {model}</c> span per chat request
/// (with the prompt-cache result) and, under it, a <c>text_completion {model}</c> span per call to the model server;
/// the token-usage, operation-duration, time-to-first-token and time-per-output-token histograms with the conventions'
/// bucket boundaries; and the gateway's own cache counters. Prompts and answers are recorded only when
/// <see cref="GenAITelemetryOptions.CaptureMessageContent"/> is on, and only on spans that are recorded.
/// </summary>
internal sealed class GatewayTelemetry : IDisposable
{
    public const string Name = "Aspire70B.ApiService";
    public const string ProviderName = "vllm";

    /// <summary>Our attribute for whether the prompt cache answered: <c>hit</c>, <c>miss</c> or <c>bypass</c>.</summary>
    public const string PromptCacheResult = "aspire70b.prompt_cache.result";

    private readonly Meter _meter;

    public GatewayTelemetry(IMeterFactory meterFactory, IOptions<GenAITelemetryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(options);
        CaptureContent = options.Value.CaptureMessageContent;
        _meter = meterFactory.Create(Name);
        TokenUsage = _meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Input and output tokens used",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });
        OperationDuration = _meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "GenAI operation duration",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        TimeToFirstToken = _meter.CreateHistogram<double>("gen_ai.server.time_to_first_token", "s", "Time to generate the first token",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0] });
        TimePerOutputToken = _meter.CreateHistogram<double>("gen_ai.server.time_per_output_token", "s", "Time per output token after the first",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5] });
        CacheRequests = _meter.CreateCounter<long>("aspire70b.prompt_cache.requests", "{request}", "Prompt-cache lookups by result (hit, miss, bypass)");
        SingleFlightJoins = _meter.CreateCounter<long>("aspire70b.single_flight.joins", "{request}", "Requests served by another request's backend call");
    }

    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Whether prompts and answers go on the spans (<c>OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT</c>).</summary>
    public bool CaptureContent { get; }

    /// <summary>Whether content is worth preparing for a span about to start: capture is on and something listens.</summary>
    public bool WantsContent => CaptureContent && Source.HasListeners();

    public Histogram<long> TokenUsage { get; }

    public Histogram<double> OperationDuration { get; }

    public Histogram<double> TimeToFirstToken { get; }

    public Histogram<double> TimePerOutputToken { get; }

    public Counter<long> CacheRequests { get; }

    public Counter<long> SingleFlightJoins { get; }

    /// <summary>Starts the <c>chat {model}</c> client span with the request attributes.</summary>
    public static Activity? StartChat(string model, int? maxTokens, double? temperature, double? topP)
    {
        var activity = Source.StartActivity($"chat {model}", ActivityKind.Client);
        if (activity is not { IsAllDataRequested: true })
        {
            return activity;
        }

        activity.SetTag("gen_ai.operation.name", "chat");
        activity.SetTag("gen_ai.provider.name", ProviderName);
        activity.SetTag("gen_ai.request.model", model);
        activity.SetTag("gen_ai.request.max_tokens", maxTokens);
        activity.SetTag("gen_ai.request.temperature", temperature);
        activity.SetTag("gen_ai.request.top_p", topP);
        return activity;
    }

    /// <summary>Starts the <c>text_completion {model}</c> client span of one call to the model server.</summary>
    /// <remarks>The server (<paramref name="endpoint"/>) is known here when there is one replica; otherwise it is set once one answers.</remarks>
    public static Activity? StartTextCompletion(CompletionRequest request, Uri? endpoint)
    {
        ArgumentNullException.ThrowIfNull(request);
        var activity = Source.StartActivity($"text_completion {request.Model}", ActivityKind.Client);
        if (activity is not { IsAllDataRequested: true })
        {
            return activity;
        }

        activity.SetTag("gen_ai.operation.name", "text_completion");
        activity.SetTag("gen_ai.provider.name", ProviderName);
        activity.SetTag("gen_ai.request.model", request.Model);
        activity.SetTag("gen_ai.request.max_tokens", request.MaxTokens);
        activity.SetTag("gen_ai.request.temperature", request.Temperature);
        activity.SetTag("gen_ai.request.top_p", request.TopP);
        if (request.N != 1)
        {
            activity.SetTag("gen_ai.request.choice.count", request.N);
        }

        if (endpoint is not null)
        {
            activity.SetTag("server.address", endpoint.Host);
            activity.SetTag("server.port", endpoint.Port);
        }

        return activity;
    }

    /// <summary>Records a finished (or failed) chat on its span and in the histograms.</summary>
    public void RecordChat(Activity? activity, in ChatOutcome outcome)
    {
        var tags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.provider.name", ProviderName },
            { "gen_ai.request.model", outcome.Model },
            { PromptCacheResult, outcome.CacheResult },
        };
        if (outcome.ErrorType is { } errorType)
        {
            tags.Add("error.type", errorType);
        }
        else
        {
            tags.Add("gen_ai.response.model", outcome.Model);
        }

        OperationDuration.Record(outcome.Duration.TotalSeconds, tags);
        if (outcome.ErrorType is null)
        {
            var input = tags;
            input.Add("gen_ai.token.type", "input");
            TokenUsage.Record(outcome.InputTokens, input);
            var output = tags;
            output.Add("gen_ai.token.type", "output");
            TokenUsage.Record(outcome.OutputTokens, output);
            if (outcome.FirstToken is { } ttft)
            {
                TimeToFirstToken.Record(ttft.TotalSeconds, tags);
                if (outcome.OutputTokens > 1)
                {
                    TimePerOutputToken.Record((outcome.Duration - ttft).TotalSeconds / (outcome.OutputTokens - 1), tags);
                }
            }
        }

        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag(PromptCacheResult, outcome.CacheResult);
        activity.SetTag("gen_ai.response.id", outcome.ResponseId);
        RecordResponse(activity, outcome.Model, outcome.FinishReasons, outcome.InputTokens, outcome.OutputTokens, outcome.ErrorType);
    }

    /// <summary>Records the end of a call to the model server on its span.</summary>
    public static void RecordTextCompletion(Activity? activity, string? responseId, string model, IReadOnlyList<string> finishReasons, CompletionUsage? usage, string? errorType)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag("gen_ai.response.id", responseId);
        RecordResponse(activity, model, finishReasons, usage?.PromptTokens, usage?.CompletionTokens, errorType);
    }

    /// <summary>Whether <paramref name="activity"/> gets the content attributes: capture is on and the span is recorded.</summary>
    public bool RecordsContent([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] Activity? activity) =>
        CaptureContent && activity is { IsAllDataRequested: true };

    /// <summary>A low-cardinality <c>error.type</c> for an exception that ended an operation.</summary>
    public static string ErrorType(Exception exception) => exception switch
    {
        BackendException backend => backend.Failure.ToString(),
        OperationCanceledException => "cancelled",
        _ => exception.GetType().FullName ?? "_OTHER",
    };

    public void Dispose() => _meter.Dispose();

    private static void RecordResponse(Activity activity, string model, IReadOnlyList<string> finishReasons, int? inputTokens, int? outputTokens, string? errorType)
    {
        if (errorType is not null)
        {
            activity.SetTag("error.type", errorType);
            activity.SetStatus(ActivityStatusCode.Error, errorType);
            return;
        }

        activity.SetTag("gen_ai.response.model", model);
        activity.SetTag("gen_ai.response.finish_reasons", finishReasons.ToArray());
        activity.SetTag("gen_ai.usage.input_tokens", inputTokens);
        activity.SetTag("gen_ai.usage.output_tokens", outputTokens);
    }
}

/// <summary>How a chat ended, for its span and the histograms.</summary>
internal readonly record struct ChatOutcome(
    string Model,
    string ResponseId,
    string CacheResult,
    IReadOnlyList<string> FinishReasons,
    int InputTokens,
    int OutputTokens,
    TimeSpan Duration,
    TimeSpan? FirstToken,
    string? ErrorType);
