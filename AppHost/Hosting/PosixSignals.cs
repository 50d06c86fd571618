using System.Runtime.InteropServices;

namespace Aspire70B.AppHost.Hosting;

/// <summary><c>kill(2)</c>, for SIGTERM before a kill, signalling a whole process group, and "is it alive" (signal 0).</summary>
internal static partial class PosixSignals
{
    public const int Sigterm = 15;
    public const int Sigkill = 9;

    /// <summary>Sends <paramref name="signal"/>; a negative <paramref name="pid"/> is a process group. 0 on success.</summary>
    public static int Send(int pid, int signal) => OperatingSystem.IsWindows() ? -1 : Kill(pid, signal);

    /// <summary>Whether the process exists (and may be signalled).</summary>
    public static bool IsAlive(int pid) => Send(pid, 0) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
