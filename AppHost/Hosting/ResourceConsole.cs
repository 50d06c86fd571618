namespace Aspire70B.AppHost.Hosting;

/// <summary>
/// Where every resource's output goes: one line at a time, prefixed <c>[name]</c>, coloured per resource on a terminal
/// and plain when output is redirected or <c>NO_COLOR</c> is set. Thread-safe.
/// </summary>
internal sealed class ResourceConsole(TextWriter output, bool color)
{
    private static readonly string[] Palette = ["\e[36m", "\e[35m", "\e[32m", "\e[33m", "\e[34m", "\e[91m"];
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _colors = new(StringComparer.Ordinal);

    public static bool ColorWanted(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && System.Environment.GetEnvironmentVariable("NO_COLOR") is null or "";

    /// <summary>A line of the resource's own output.</summary>
    public void Line(string resource, string line)
    {
        lock (_gate)
        {
            if (color)
            {
                output.WriteLine($"{ColorOf(resource)}[{resource}]\e[0m {line}");
            }
            else
            {
                output.WriteLine($"[{resource}] {line}");
            }
        }
    }

    /// <summary>A line of the AppHost's own, unprefixed.</summary>
    public void Info(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
        }
    }

    private string ColorOf(string resource)
    {
        if (!_colors.TryGetValue(resource, out var value))
        {
            value = Palette[_colors.Count % Palette.Length];
            _colors[resource] = value;
        }

        return value;
    }
}
