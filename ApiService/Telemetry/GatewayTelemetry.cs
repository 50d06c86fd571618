using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Aspire70B.ApiService.Telemetry;

/// <summary>
/// Spans and metrics after OpenTelemetry's GenAI semantic conventions: a span <c>chat {model}</c> per request, the
/// token-usage, operation-duration, time-to-first-token and time-per-output-token histograms with the convention's
/// bucket boundaries, and the gateway's own cache counters. Prompts and completions are never recorded.
/// </summary>
internal sealed class GatewayTelemetry : IDisposable
{
    public const string Name = "Aspire70B.ApiService";
    public const string ProviderName = "vllm";

    private readonly Meter _meter;

    public GatewayTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
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
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("gen_ai.operation.name", "chat");
        activity.SetTag("gen_ai.provider.name", ProviderName);
        activity.SetTag("gen_ai.request.model", model);
        activity.SetTag("gen_ai.request.max_tokens", maxTokens);
        activity.SetTag("gen_ai.request.temperature", temperature);
        activity.SetTag("gen_ai.request.top_p", topP);
        return activity;
    }

    /// <summary>Records a finished chat on its span and in the histograms.</summary>
    public void RecordChat(Activity? activity, string model, IReadOnlyList<string> finishReasons, int inputTokens, int outputTokens, TimeSpan duration, TimeSpan? firstToken, string? errorType)
    {
        var tags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.provider.name", ProviderName },
            { "gen_ai.request.model", model },
        };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        OperationDuration.Record(duration.TotalSeconds, tags);
        if (errorType is null)
        {
            var input = tags;
            input.Add("gen_ai.token.type", "input");
            TokenUsage.Record(inputTokens, input);
            var output = tags;
            output.Add("gen_ai.token.type", "output");
            TokenUsage.Record(outputTokens, output);
            if (firstToken is { } ttft)
            {
                TimeToFirstToken.Record(ttft.TotalSeconds, tags);
                if (outputTokens > 1)
                {
                    TimePerOutputToken.Record((duration - ttft).TotalSeconds / (outputTokens - 1), tags);
                }
            }
        }

        if (activity is null)
        {
            return;
        }

        activity.SetTag("gen_ai.response.model", model);
        activity.SetTag("gen_ai.response.finish_reasons", finishReasons.ToArray());
        activity.SetTag("gen_ai.usage.input_tokens", inputTokens);
        activity.SetTag("gen_ai.usage.output_tokens", outputTokens);
        if (errorType is not null)
        {
            activity.SetTag("error.type", errorType);
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    public void Dispose() => _meter.Dispose();
}
