using System.Diagnostics;
using System.Globalization;

namespace Aspire70B.TestSupport;

/// <summary>Processes under a pid, read from /proc, and whether they are gone.</summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static partial class ProcessTree
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public sealed record Entry(int Pid, string Command, string StartTime);

    /// <summary>
    /// The processes under <paramref name="root"/>, and under the DCP processes that watch it (DCP detaches from the
    /// AppHost and is told its pid with <c>--monitor</c>).
    /// </summary>
    public static IReadOnlyList<Entry> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                parents[pid] = stat.Parent;
            }
        }

        var found = new List<Entry>();
        var monitors = parents.Keys.Where(pid => Command(pid).Contains($"--monitor {root} ", StringComparison.Ordinal) || Command(pid).EndsWith($"--monitor {root}", StringComparison.Ordinal)).ToList();
        foreach (var monitor in monitors.Where(m => Stat(m) is not null))
        {
            found.Add(new Entry(monitor, Command(monitor), Stat(monitor)!.Value.StartTime));
        }

        var frontier = new Queue<int>([root, .. monitors]);
        while (frontier.Count > 0)
        {
            var parent = frontier.Dequeue();
            foreach (var (pid, _) in parents.Where(p => p.Value == parent))
            {
                if (Stat(pid) is { } stat)
                {
                    found.Add(new Entry(pid, Command(pid), stat.StartTime));
                    frontier.Enqueue(pid);
                }
            }
        }

        return found;
    }

    /// <summary>Those still running (the same process: same pid and start time, not a zombie).</summary>
    public static IReadOnlyList<Entry> Alive(IEnumerable<Entry> entries) =>
        entries.Where(e => Stat(e.Pid) is { State: not 'Z' } stat && stat.StartTime == e.StartTime).ToList();

    public static async Task<bool> AllGoneAsync(IReadOnlyList<Entry> entries, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (Alive(entries).Count > 0)
        {
            if (clock.Elapsed > bound)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    public static void Kill(int pid, int signal) => _ = SendSignal(pid, signal);

    private static (int Parent, char State, string StartTime)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), fields[0][0], fields[19]);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    [global::System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
