namespace Aspire70B.ApiService.Telemetry;

/// <summary>
/// What the GenAI spans may carry. Prompts and answers are opt-in, as the conventions require: the standard
/// <c>OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT</c> variable (the AppHost sets it in Development only).
/// </summary>
internal sealed class GenAITelemetryOptions
{
    /// <summary>The configuration key: the environment variable's name, as other GenAI instrumentations read it.</summary>
    public const string CaptureMessageContentKey = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

    /// <summary>Record <c>gen_ai.system_instructions</c>, <c>gen_ai.input.messages</c> and <c>gen_ai.output.messages</c>.</summary>
    public bool CaptureMessageContent { get; set; }
}
