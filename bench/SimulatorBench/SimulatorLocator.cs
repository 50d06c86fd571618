namespace Aspire70B.SimulatorBench;

/// <summary>Finds the Simulator built in this repository: the most recent Release or Debug build.</summary>
internal static class SimulatorLocator
{
    private static readonly string[] Configurations = ["Release", "Debug"];

    public static FileInfo Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Aspire70B.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new FileNotFoundException("Aspire70B.sln was not found above the bench; pass --simulator.");
        }

        var candidates = Configurations
            .Select(configuration => new FileInfo(Path.Combine(directory.FullName, "Simulator", "bin", configuration, "net10.0", "Aspire70B.Simulator.dll")))
            .Where(f => f.Exists)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .ToList();
        return candidates.Count > 0 ? candidates[0] : throw new FileNotFoundException("Build the Simulator first (dotnet build -c Release), or pass --simulator.");
    }
}
