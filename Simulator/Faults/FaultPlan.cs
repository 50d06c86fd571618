using System.Globalization;

namespace Aspire70B.Simulator.Faults;

/// <summary>
/// Failures a test asks for with request headers, honoured only when fault injection was enabled at start:
/// <c>X-Sim-Fail-Status</c> (answer with that status; with <c>X-Sim-Fail-After-Tokens</c>, fail after that many
/// tokens — mid-stream as an error event), <c>X-Sim-Drop-After-Tokens</c> (drop the connection after that many
/// tokens) and <c>X-Sim-Delay-Ms</c> (extra time before the prefill, scaled like every delay).
/// </summary>
internal sealed record FaultPlan(int? FailStatus, int? FailAfterTokens, int? DropAfterTokens, int DelayMilliseconds)
{
    public const string FailStatusHeader = "X-Sim-Fail-Status";
    public const string FailAfterTokensHeader = "X-Sim-Fail-After-Tokens";
    public const string DropAfterTokensHeader = "X-Sim-Drop-After-Tokens";
    public const string DelayHeader = "X-Sim-Delay-Ms";
    public const int DefaultFailStatus = 500;

    public static FaultPlan None { get; } = new(null, null, null, 0);

    /// <summary>True when the request must fail before any work.</summary>
    public bool FailsAtOnce => FailStatus is not null && FailAfterTokens is null;

    public static FaultPlan FromHeaders(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var failAfter = Read(headers, FailAfterTokensHeader, 1, int.MaxValue);
        return new FaultPlan(
            Read(headers, FailStatusHeader, 400, 599) ?? (failAfter is null ? null : DefaultFailStatus),
            failAfter,
            Read(headers, DropAfterTokensHeader, 1, int.MaxValue),
            Read(headers, DelayHeader, 0, 3_600_000) ?? 0);
    }

    private static int? Read(IHeaderDictionary headers, string name, int min, int max) =>
        headers.TryGetValue(name, out var values)
        && int.TryParse(values.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
        && value >= min && value <= max
            ? value
            : null;
}
