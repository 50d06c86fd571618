using System.Globalization;
using System.Text.RegularExpressions;

namespace Aspire70B.Simulator.Tests.Infrastructure;

/// <summary>Reads sample values out of the Prometheus text the Simulator serves.</summary>
public static partial class MetricsText
{
    public static async Task<string> ScrapeAsync(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }

    /// <summary>The value of the sample <paramref name="name"/> whose labels contain <paramref name="labelPart"/>.</summary>
    public static double Value(string text, string name, string labelPart = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (Match match in Sample().Matches(text))
        {
            if (match.Groups["name"].Value == name && match.Groups["labels"].Value.Contains(labelPart, StringComparison.Ordinal))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        throw new KeyNotFoundException($"No sample {name}{{…{labelPart}…}} in the metrics.");
    }

    [GeneratedRegex(@"^(?<name>[a-z0-9_:]+)\{(?<labels>[^}]*)\} (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
