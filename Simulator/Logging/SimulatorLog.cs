namespace Aspire70B.Simulator.Logging;

/// <summary>The Simulator's log messages; event ids live here. Prompts and completions are never logged.</summary>
internal static partial class SimulatorLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Simulating profile {Profile}: {Model}, max_model_len {MaxModelLen}, {KvTokens} KV tokens, {MaxNumSeqs} sequences, decode {DecodeRate:F1} tok/s, prefill {PrefillRate:F0} tok/s, time scale {TimeScale}")]
    public static partial void Started(ILogger logger, string profile, string model, int maxModelLen, long kvTokens, int maxNumSeqs, double decodeRate, double prefillRate, double timeScale);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Request aborted; {Sequences} unfinished sequence(s) counted as abort")]
    public static partial void RequestAborted(ILogger logger, int sequences);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Request rejected with {Status}: {Message}")]
    public static partial void RequestRejected(ILogger logger, int status, string message);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Injected fault: {Fault}")]
    public static partial void FaultInjected(ILogger logger, string fault);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "The stream failed after it started; the client gets an error event")]
    public static partial void StreamFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Modal edge: {Method} {Path} held {HeldSeconds:0.###} s through the cold start without a response; answered 303 to its result URL")]
    public static partial void ColdStartRedirect(ILogger logger, string method, PathString path, double heldSeconds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Test scripting and/or fault injection are enabled: X-Sim-* headers change responses")]
    public static partial void TestHooksEnabled(ILogger logger);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "Request {RequestId} failed with an unexpected exception; the client got a 500 error object")]
    public static partial void UnexpectedFailure(ILogger logger, string requestId, Exception exception);
}
