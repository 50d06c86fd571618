using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Aspire70B.Dashboard.Tests;

/// <summary>
/// Steps on the dashboard that survive its Blazor circuit dying. Under heavy load the dashboard (13.6) sometimes loses
/// its circuit to an ObjectDisposedException in <c>Virtualize</c> and shows "An unhandled error has occurred. Reload";
/// a user reloads, and so does a step, then runs again (at most <see cref="Attempts"/> times).
/// </summary>
internal static class DashboardPage
{
    private const int Attempts = 3;

    public static async Task StepAsync(IPage page, Func<Task> step)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await step();
                return;
            }
            catch (CircuitLostException) when (attempt < Attempts)
            {
                await page.ReloadAsync();
            }
        }
    }

    /// <summary>Waits until <paramref name="locator"/> is visible, or fails fast when the circuit is lost.</summary>
    public static async Task ExpectShownAsync(IPage page, ILocator locator)
    {
        var lost = CircuitLost(page);
        await Expect(locator.Or(lost).First).ToBeVisibleAsync();
        if (await lost.IsVisibleAsync())
        {
            throw new CircuitLostException($"The dashboard lost its circuit at {page.Url}.");
        }
    }

    /// <summary>Blazor's error banner, hidden until the circuit fails.</summary>
    private static ILocator CircuitLost(IPage page) => page.GetByText("An unhandled error has occurred.");

    private sealed class CircuitLostException(string message) : PlaywrightException(message);
}
