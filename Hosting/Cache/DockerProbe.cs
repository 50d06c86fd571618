using System.Diagnostics;

namespace Aspire70B.Hosting.Cache;

/// <summary>Whether a Docker engine answers: <c>docker info</c> exits 0 within a few seconds.</summary>
public static class DockerProbe
{
    /// <summary>False at once when there is no <c>docker</c> client; else whether <c>docker info</c> succeeds within 5 s.</summary>
    public static async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "docker")));
        if (!onPath)
        {
            return false;
        }

        var start = new ProcessStartInfo("docker", ["info", "--format", "{{.ServerVersion}}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start);
        if (process is null)
        {
            return false;
        }

        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(timeout.Token), process.StandardError.ReadToEndAsync(timeout.Token));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            await drain;
            return process.ExitCode == 0;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return false;
        }
    }
}
