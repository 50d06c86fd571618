using System.Diagnostics;
using Aspire70B.TestSupport;

namespace Aspire70B.AppHost.Tests;

/// <summary>samples/ChatSample against the system the AppHost runs, the two ways the README points it at apiservice.</summary>
[Collection(SharedSystem.Name)]
public sealed class SampleTests(RunningSystem system)
{
    private string ApiService => system.ApiServiceUrl.ToString().TrimEnd('/');

    [Fact]
    public async Task WithEndpointTheSampleChatsOverTwoStreamedTurnsAndRunsTheToolLoop()
    {
        var (exit, output, error) = await RunSampleAsync(["--endpoint", ApiService], new Dictionary<string, string>());

        Assert.True(exit == 0, output + error);
        AssertConversation(output);
    }

    [Fact]
    public async Task WithAspiresServiceVariableTheSampleFindsTheGatewayItself()
    {
        var (exit, output, error) = await RunSampleAsync([], new Dictionary<string, string> { ["services__apiservice__http__0"] = ApiService });

        Assert.True(exit == 0, output + error);
        AssertConversation(output);
    }

    [Fact]
    public async Task WithoutAnEndpointTheSampleSaysHowToStartAndExitsWith2()
    {
        var (exit, _, error) = await RunSampleAsync([], new Dictionary<string, string>());

        Assert.Equal(2, exit);
        Assert.Contains("Start the system with 'dotnet run --project AppHost', then pass --endpoint <apiservice URL> or set services__apiservice__http__0.", error, StringComparison.Ordinal);
    }

    private void AssertConversation(string output)
    {
        var lines = output.Split('\n');
        Assert.Equal($"Aspire70B at {ApiService}/ (model: the gateway's)", lines[0]);
        Assert.Contains("user: What is tensor parallelism, in one sentence?", lines);
        Assert.Contains("user: And why does a 70B model need it on 80 GB GPUs?", lines);
        Assert.Contains("user: What's the weather in Paris right now?", lines);
        // Three answers (two streamed turns, then the tool loop's text answer), each with its usage line.
        Assert.Equal(3, lines.Count(l => l.StartsWith("assistant: ", StringComparison.Ordinal) && l.Length > "assistant: ".Length + 5));
        Assert.Equal(3, lines.Count(l => global::System.Text.RegularExpressions.Regex.IsMatch(l, @"^  \[(stop|length); \d+ prompt \+ \d+ completion tokens\]$")));
    }

    private static Task<(int Exit, string Output, string Error)> RunSampleAsync(IEnumerable<string> args, IDictionary<string, string> environment) =>
        SampleProcess.RunAsync("ChatSample", args, environment);
}

/// <summary>Runs a built sample from samples/ as its own process, without the gateway variables of this one.</summary>
internal static class SampleProcess
{
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string sample, IEnumerable<string> args, IDictionary<string, string> environment)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(RedisServer.RepositoryRoot(), "samples", sample, "bin", configuration, "net10.0", $"Aspire70B.{sample}.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("services__apiservice__http__0");
        start.Environment.Remove("ConnectionStrings__apiservice");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("the sample did not start");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, (await output).ReplaceLineEndings("\n"), (await error).ReplaceLineEndings("\n"));
    }
}
