using System.Diagnostics;

namespace Aspire70B.AppHost.Hosting;

/// <summary>Builds services that have no build output yet, and restores the repository's dotnet tools (Garnet).</summary>
internal static class ServiceBuild
{
    public static async Task<bool> EnsureBuiltAsync(HostPaths paths, IReadOnlyList<string> projects, ResourceConsole console, CancellationToken cancellationToken)
    {
        var missing = projects.Where(p => !File.Exists(paths.ServiceAssembly(p))).ToList();
        if (missing.Count == 0)
        {
            console.Info($"Services from their build output (bin/{paths.Configuration}/net10.0; 'dotnet run --project AppHost' builds them first).");
            return true;
        }

        foreach (var project in missing)
        {
            console.Info($"Building {project} ({paths.Configuration}): it has no build output yet…");
            if (!await RunAsync(paths, ["build", Path.Combine(paths.RepositoryRoot, project, $"{project}.csproj"), "-c", paths.Configuration, "-nologo", "-v", "q"], console, cancellationToken))
            {
                console.Info($"Building {project} failed; see the output above.");
                return false;
            }
        }

        return true;
    }

    public static async Task<bool> RestoreToolsAsync(HostPaths paths, ResourceConsole console, CancellationToken cancellationToken)
    {
        console.Info("Restoring the repository's dotnet tools (dotnet tool restore) for Garnet…");
        if (await RunAsync(paths, ["tool", "restore"], console, cancellationToken))
        {
            return true;
        }

        console.Info("dotnet tool restore failed; install redis-server, or set ConnectionStrings__cache to a running Redis.");
        return false;
    }

    private static async Task<bool> RunAsync(HostPaths paths, IReadOnlyList<string> arguments, ResourceConsole console, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(paths.Dotnet, arguments)
        {
            WorkingDirectory = paths.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = Pump(process.StandardOutput);
        var error = Pump(process.StandardError);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await Task.WhenAll(output, error);
        return process.ExitCode == 0;

        async Task Pump(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                if (line.Length > 0)
                {
                    console.Line("dotnet", line);
                }
            }
        }
    }
}
