using System.Globalization;

namespace Aspire70B.GatewayBench.Processes;

/// <summary>Resident memory of a process and all its descendants, read from <c>/proc</c> (Linux only).</summary>
internal static class ProcessTree
{
    /// <summary>The process and its descendants, found through the parent id in <c>/proc/PID/stat</c>.</summary>
    public static IReadOnlyList<int> Members(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ParentOf(pid) is { } parent)
            {
                parents[pid] = parent;
            }
        }

        var members = new List<int> { root };
        for (var i = 0; i < members.Count; i++)
        {
            members.AddRange(parents.Where(p => p.Value == members[i]).Select(p => p.Key));
        }

        return members;
    }

    /// <summary>Sum of <c>VmRSS</c> (now) and of <c>VmHWM</c> (each member's own peak) over the tree, in bytes.</summary>
    public static (long Rss, long PeakSum) Memory(int root)
    {
        long rss = 0, peak = 0;
        foreach (var pid in Members(root))
        {
            rss += StatusKilobytes(pid, "VmRSS:") * 1024;
            peak += StatusKilobytes(pid, "VmHWM:") * 1024;
        }

        return (rss, peak);
    }

    /// <summary>CPU time (user and system, in clock ticks) spent so far by the tree's members.</summary>
    public static long CpuTicks(int root)
    {
        long ticks = 0;
        foreach (var pid in Members(root))
        {
            try
            {
                var fields = AfterCommand(File.ReadAllText($"/proc/{pid}/stat"));
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return ticks;
    }

    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so the fields are read after the last ')'.
    private static string[] AfterCommand(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    private static int? ParentOf(int pid)
    {
        try
        {
            return int.Parse(AfterCommand(File.ReadAllText($"/proc/{pid}/stat"))[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null; // The process ended while we looked.
        }
    }

    private static long StatusKilobytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
