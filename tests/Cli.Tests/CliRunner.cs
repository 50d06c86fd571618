using System.Diagnostics;
using Aspire70B.Cli.Commands;

namespace Aspire70B.Cli.Tests;

/// <summary>Runs the aspire70b command line in-process, or as a real process, and captures what it writes.</summary>
internal static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Out, string Error);

    public static Outcome Run(params string[] args) => RunWithInput("", args);

    public static Outcome RunWithInput(string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var exit = CliApp.Run(args, new CliContext(output, error, reader));
        return new Outcome(exit, output.ToString(), error.ToString());
    }

    /// <summary>Starts the built tool as its own process (<c>dotnet Aspire70B.Cli.dll …</c>) and waits, bounded.</summary>
    public static Task<Outcome> RunProcessAsync(params string[] args) => RunProcessAsync(new Dictionary<string, string>(), args);

    /// <summary>As <see cref="RunProcessAsync(string[])"/>, with <paramref name="environment"/> set for the process.</summary>
    public static async Task<Outcome> RunProcessAsync(IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Aspire70B.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Outcome(process.ExitCode, await stdout, await stderr);
    }
}
