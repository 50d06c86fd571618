namespace Aspire70B.AppHost.Hosting;

/// <summary>
/// Where things are: the repository (the folder holding <c>Aspire70B.sln</c> above the AppHost's binaries), the build
/// configuration the AppHost itself was built with, the <c>dotnet</c> host, and executables on PATH.
/// </summary>
internal sealed record HostPaths(string RepositoryRoot, string Configuration, string Dotnet)
{
    public static HostPaths Discover()
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dir = baseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aspire70B.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException($"The repository (Aspire70B.sln) was not found above {baseDirectory.FullName}; run the AppHost from its build output.");
        }

        // bin/{Configuration}/net10.0
        var configuration = baseDirectory.Parent?.Name is "Debug" or "Release" ? baseDirectory.Parent.Name : "Debug";
        return new HostPaths(dir.FullName, configuration, FindDotnet());
    }

    /// <summary>The built service: <c>{Project}/bin/{Configuration}/net10.0/Aspire70B.{Project}.dll</c>.</summary>
    public string ServiceAssembly(string project) =>
        Path.Combine(RepositoryRoot, project, "bin", Configuration, "net10.0", $"Aspire70B.{project}.dll");

    public static string? FindOnPath(string name) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string FindDotnet()
    {
        if (System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return System.Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? self
            : FindOnPath(OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet") ?? "dotnet";
    }
}
