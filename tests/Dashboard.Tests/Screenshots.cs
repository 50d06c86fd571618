using Aspire70B.TestSupport;
using Microsoft.Playwright;

namespace Aspire70B.Dashboard.Tests;

/// <summary>Where the test's screenshots go: <c>artifacts/test-results/dashboard</c>, beside the test results CI keeps.</summary>
internal static class Screenshots
{
    public static string Folder { get; } = Path.Combine(RedisServer.RepositoryRoot(), "artifacts", "test-results", "dashboard");

    public static async Task TakeAsync(IPage page, string name, bool dismissNotifications = true)
    {
        if (dismissNotifications)
        {
            await DismissNotificationsAsync(page);
        }

        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Folder, name + ".png") });
    }

    /// <summary>Messages about this machine (such as no trusted development certificate) that would cover the picture.</summary>
    private static async Task DismissNotificationsAsync(IPage page)
    {
        var dismiss = page.GetByLabel("Dismiss notification");
        for (var shown = await dismiss.CountAsync(); shown > 0; shown--)
        {
            await dismiss.First.ClickAsync();
        }
    }
}
