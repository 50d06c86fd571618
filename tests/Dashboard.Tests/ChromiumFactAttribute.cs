namespace Aspire70B.Dashboard.Tests;

/// <summary>
/// A fact that needs the machine's Chromium (installed if missing, see <see cref="Chromium"/>). It is skipped, with
/// the reason, only where none can be installed and not in CI: there the test runs and fails, as the Redis tests do
/// without redis-server, since <c>.ci/run</c> installs it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.ExecutablePath is null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = Chromium.Unavailable;
        }
    }
}
