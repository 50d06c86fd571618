namespace Aspire70B.GatewayBench.Contenders;

/// <summary>Paths in this repository: the solution root, the services' Release builds, the bench's npm folder.</summary>
internal sealed class Repository(string root)
{
    public string Root { get; } = root;

    /// <summary>Portkey and other npm installs live here, ignored by git (<c>bench/.deps</c>).</summary>
    public string NpmPrefix => Path.Combine(Root, "bench", ".deps");

    public string PortkeyShims => Path.Combine(Root, "bench", "portkey", "shims.mjs");

    public static Repository Locate()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Aspire70B.sln")))
        {
            directory = directory.Parent;
        }

        return new Repository(directory?.FullName ?? throw new DirectoryNotFoundException("Aspire70B.sln was not found above the bench."));
    }

    /// <summary>The Release build of a service (the bench never measures a Debug build).</summary>
    public FileInfo ReleaseDll(string project)
    {
        var dll = new FileInfo(Path.Combine(Root, project, "bin", "Release", "net10.0", $"Aspire70B.{project}.dll"));
        return dll.Exists ? dll : throw new FileNotFoundException($"Build {project} in Release first (dotnet build -c Release {project}).", dll.FullName);
    }
}
