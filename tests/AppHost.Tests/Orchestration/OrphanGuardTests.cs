using System.Diagnostics;
using Aspire70B.AppHost.Hosting;

namespace Aspire70B.AppHost.Tests.Orchestration;

/// <summary>The guard's side of the pipe: a release leaves everything alone; the end of input stops what it tracks.</summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OrphanGuardTests
{
    [Fact]
    public async Task WhenTheAppHostIsGoneEveryTrackedProcessIsStopped()
    {
        using var first = Sleep();
        using var second = Sleep();

        var running = await OrphanGuard.GuardAsync(new StringReader($"track {first.Id}\ntrack {second.Id}\ntrack nonsense\n"), TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(2, running);
        Assert.True(first.WaitForExit(5000) && second.WaitForExit(5000));
    }

    [Fact]
    public async Task ACleanStopReleasesTheGuardAndNothingIsTouched()
    {
        using var child = Sleep();
        try
        {
            var running = await OrphanGuard.GuardAsync(new StringReader($"track {child.Id}\nrelease\n"), TimeSpan.FromSeconds(5), CancellationToken.None);

            Assert.Equal(0, running);
            Assert.False(child.WaitForExit(300));
        }
        finally
        {
            child.Kill();
        }
    }

    [Fact]
    public async Task AProcessThatIgnoresSigtermIsKilledAfterTheGrace()
    {
        using var stubborn = Process.Start(new ProcessStartInfo("sh", ["-c", "trap '' TERM; while :; do sleep 0.1; done"])) ?? throw new InvalidOperationException();
        await Task.Delay(200);
        var clock = Stopwatch.StartNew();

        await OrphanGuard.GuardAsync(new StringReader($"track {stubborn.Id}\n"), TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.True(stubborn.WaitForExit(5000));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"killed after {clock.Elapsed}");
    }

    private static Process Sleep() => Process.Start(new ProcessStartInfo("sleep", ["60"])) ?? throw new InvalidOperationException("sleep did not start");
}
