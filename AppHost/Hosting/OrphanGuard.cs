using System.Diagnostics;

namespace Aspire70B.AppHost.Hosting;

/// <summary>
/// Makes sure no child outlives an AppHost that is killed outright (SIGKILL, a crash), which no signal handler can
/// see. A small process of its own (<c>Aspire70B.AppHost.dll guard</c>, in its own session) is told the id of every
/// child as it starts, over a pipe from the AppHost. A clean stop says "release" first; if the pipe just closes, the
/// AppHost is gone, and the guard stops each child's process group: SIGTERM, then SIGKILL after a grace period.
/// This is the role Aspire's orchestrator plays for its AppHost.
/// </summary>
internal sealed class OrphanGuard : IAsyncDisposable
{
    public const string CommandName = "guard";
    public const string Release = "release";
    public const string Track = "track ";

    private readonly Process _process;
    private readonly Lock _gate = new();

    private OrphanGuard(Process process) => _process = process;

    /// <summary>Starts the guard; null where it cannot run (no process groups to stop, or it did not start).</summary>
    public static OrphanGuard? TryStart(HostPaths paths, string? setsid)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var start = new ProcessStartInfo(setsid ?? paths.Dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (setsid is not null)
        {
            start.ArgumentList.Add(paths.Dotnet);
        }

        start.ArgumentList.Add(typeof(OrphanGuard).Assembly.Location);
        start.ArgumentList.Add(CommandName);
        try
        {
            return Process.Start(start) is { } process ? new OrphanGuard(process) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Puts a started child (and its process group) in the guard's care.</summary>
    public void Watch(int pid)
    {
        lock (_gate)
        {
            try
            {
                _process.StandardInput.WriteLine(Track + pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // The guard is gone; a clean stop still stops every child.
            }
        }
    }

    /// <summary>Every child has been stopped: the guard leaves without touching anything.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            try
            {
                _process.StandardInput.WriteLine(Release);
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
        }

        _process.Dispose();
    }

    /// <summary>
    /// The guard's side: reads "track PID" lines until "release" (a clean stop: nothing to do) or the end of input
    /// (the AppHost died): then every tracked process group gets SIGTERM and, after <paramref name="grace"/>, SIGKILL.
    /// Returns how many were still running.
    /// </summary>
    public static async Task<int> GuardAsync(TextReader input, TimeSpan grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var tracked = new List<int>();
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == Release)
            {
                return 0;
            }

            if (line.StartsWith(Track, StringComparison.Ordinal) && int.TryParse(line.AsSpan(Track.Length), out var pid) && pid > 1)
            {
                tracked.Add(pid);
            }
        }

        var running = tracked.Where(PosixSignals.IsAlive).ToList();
        Signal(running, PosixSignals.Sigterm);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < grace && running.Exists(PosixSignals.IsAlive))
        {
            await Task.Delay(100, cancellationToken);
        }

        Signal(running.Where(PosixSignals.IsAlive), PosixSignals.Sigkill);
        return running.Count;
    }

    private static void Signal(IEnumerable<int> pids, int signal)
    {
        foreach (var pid in pids)
        {
            // A child started through setsid leads its own process group (its id is the group's): stop the group, so
            // whatever it started goes too; without setsid only the process itself can be reached.
            if (PosixSignals.Send(-pid, signal) != 0)
            {
                PosixSignals.Send(pid, signal);
            }
        }
    }
}
