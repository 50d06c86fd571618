using System.Globalization;

namespace Aspire70B.Tests.Shared;

/// <summary>
/// How many cases a property runs: the figure given in the test (sized for CI), or
/// <c>ASPIRE70B_PROPERTY_ITERATIONS</c> when set (for a long local or nightly run). Cases are counted per property
/// and written to the test output, so a run can report how many it did.
/// </summary>
internal static class PropertyRuns
{
    public const string Variable = "ASPIRE70B_PROPERTY_ITERATIONS";

    public static long Iterations(long ci) =>
        long.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : ci;

    /// <summary>Per-request bound: generous (a loaded 2-core CI machine), still far below a hang.</summary>
    public static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(30);
}
