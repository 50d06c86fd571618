namespace Aspire70B.Cli.Commands;

/// <summary>
/// Where the Modal app (<c>ModelServer/modal_app.py</c>) is: in the clone of the repository the tool runs in (found
/// above the current folder, then above the tool), else the copy packed with the tool.
/// </summary>
internal sealed record ModelServerFiles(string App, bool InRepository)
{
    private static readonly string RelativeApp = Path.Combine("ModelServer", "modal_app.py");

    public static ModelServerFiles Locate(string currentDirectory, string toolDirectory)
    {
        foreach (var start in new[] { currentDirectory, toolDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Aspire70B.sln")) && File.Exists(Path.Combine(dir.FullName, RelativeApp)))
                {
                    return new ModelServerFiles(Path.Combine(dir.FullName, RelativeApp), InRepository: true);
                }
            }
        }

        return new ModelServerFiles(Path.Combine(toolDirectory, RelativeApp), InRepository: false);
    }

    /// <summary>
    /// Where the spec goes by default: beside the app in a clone (<c>ModelServer/profile.json</c>), else beside the
    /// stored deployments, never into the tool's own folder.
    /// </summary>
    public string DefaultSpecPath(string deploymentsFile) => InRepository
        ? Path.Combine(Path.GetDirectoryName(App)!, "profile.json")
        : Path.Combine(Path.GetDirectoryName(deploymentsFile)!, "modal-profile.json");

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
