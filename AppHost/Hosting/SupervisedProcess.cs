using System.Diagnostics;

namespace Aspire70B.AppHost.Hosting;

/// <summary>
/// A started child process: its output pumped line by line to the console with the resource's prefix, the last lines
/// kept for an exit report, and a stop that asks first (SIGTERM) and kills the whole tree after a grace period.
/// On Linux a child runs in its own session (<c>setsid</c>, which keeps the PID), so a terminal's Ctrl+C reaches
/// only the AppHost, which then stops the children itself, in reverse order.
/// </summary>
internal sealed class SupervisedProcess : IAsyncDisposable
{
    private const int TailLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Lock _gate = new();

    private readonly bool _leadsGroup;

    private SupervisedProcess(Process process, bool leadsGroup)
    {
        _process = process;
        _leadsGroup = leadsGroup;
    }

    /// <summary>How long the output is read on after the process exits, when something it started still holds it open.</summary>
    public static TimeSpan OutputDrainLimit { get; } = TimeSpan.FromSeconds(2);

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the process has exited and its output has been read to the end (or for at most <see cref="OutputDrainLimit"/>).</summary>
    public Task Exited { get; private set; } = Task.CompletedTask;

    public static SupervisedProcess Start(
        string name, ProcessLaunch launch, IReadOnlyDictionary<string, string> environment, ResourceConsole console, string? setsid, IStartupProgress? progress = null)
    {
        var start = new ProcessStartInfo(setsid ?? launch.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = launch.WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        if (setsid is not null)
        {
            start.ArgumentList.Add(launch.FileName);
        }

        foreach (var argument in launch.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{launch.FileName} did not start.");
        process.StandardInput.Close();
        var supervised = new SupervisedProcess(process, leadsGroup: setsid is not null);
        var stdout = supervised.PumpAsync(name, process.StandardOutput, console, progress);
        var stderr = supervised.PumpAsync(name, process.StandardError, console, progress);
        supervised.Exited = ExitedAsync(process, stdout, stderr);
        return supervised;
    }

    /// <summary>The last lines the process wrote, for a report when it exits unexpectedly.</summary>
    public IReadOnlyList<string> Tail()
    {
        lock (_gate)
        {
            return [.. _tail];
        }
    }

    /// <summary>
    /// SIGTERM (to the whole process group when the child leads one, so what it started is asked too), then after
    /// <paramref name="grace"/> a kill of the process and every descendant; once it has exited, whatever of its group
    /// is left (something that ignored SIGTERM, or outlived its parent) is killed, so nothing outlives a stop.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            if (Signal(PosixSignals.Sigterm) != 0)
            {
                KillTree();
            }

            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                KillTree();
            }
        }

        await Exited;
        if (_leadsGroup)
        {
            PosixSignals.Send(-_process.Id, PosixSignals.Sigkill);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            KillTree();
            await Exited;
        }

        _process.Dispose();
    }

    /// <summary>The process exits; its last lines are read unless what it started keeps the output open past the limit.</summary>
    private static async Task ExitedAsync(Process process, Task stdout, Task stderr)
    {
        await process.WaitForExitAsync();
        await Task.WhenAll(stdout, stderr).WaitAsync(OutputDrainLimit).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private int Signal(int signal) => _leadsGroup && PosixSignals.Send(-_process.Id, signal) == 0 ? 0 : PosixSignals.Send(_process.Id, signal);

    private void KillTree()
    {
        if (_leadsGroup)
        {
            PosixSignals.Send(-_process.Id, PosixSignals.Sigkill);
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    private async Task PumpAsync(string name, StreamReader reader, ResourceConsole console, IStartupProgress? progress)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_gate)
            {
                _tail.Enqueue(line);
                if (_tail.Count > TailLines)
                {
                    _tail.Dequeue();
                }
            }

            progress?.Observe(line);
            console.Line(name, line);
        }
    }
}
