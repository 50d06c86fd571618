using System.Runtime.InteropServices;

namespace Aspire70B.AppHost.Hosting;

/// <summary>
/// SIGINT (Ctrl+C), SIGTERM, SIGQUIT and SIGHUP (the terminal closed) cancel the run instead of ending the process, so
/// children, which run in their own sessions, are stopped first rather than orphaned.
/// </summary>
internal sealed class SignalHandlers : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];

    public static SignalHandlers Register(CancellationTokenSource stopping)
    {
        var handlers = new SignalHandlers();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            handlers._registrations.Add(PosixSignalRegistration.Create(signal, signalContext =>
            {
                signalContext.Cancel = true;
                stopping.Cancel();
            }));
        }

        return handlers;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
