using System.Runtime.CompilerServices;

namespace Aspire70B.Simulator.Tests.Infrastructure;

/// <summary>
/// Golden files under <c>Golden/</c>, compared byte for byte. Set <c>SIMULATOR_UPDATE_GOLDEN=1</c> to rewrite them
/// from the current output (then read the diff before committing).
/// </summary>
public static class Golden
{
    public static void AssertMatches(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        ArgumentNullException.ThrowIfNull(actual);
        var directory = Path.Combine(FindProjectDirectory(callerPath), "Golden");
        var path = Path.Combine(directory, name);
        if (Environment.GetEnvironmentVariable("SIMULATOR_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, actual);
            return;
        }

        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));
        Assert.Equal(expected, actual);
    }

    private static string FindProjectDirectory(string callerPath)
    {
        var directory = Path.GetDirectoryName(callerPath);
        while (directory is not null && !File.Exists(Path.Combine(directory, "Simulator.Tests.csproj")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("The test project directory was not found.");
    }
}
