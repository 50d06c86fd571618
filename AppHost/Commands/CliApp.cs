using System.CommandLine;

namespace Aspire70B.AppHost.Commands;

/// <summary>The AppHost command line: the system runner (the root command) and its subcommands.</summary>
internal static class CliApp
{
    public static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand("Aspire70B: Llama 3.1 70B as an ordinary chat service.")
        {
            PlanCommand.Create(context),
            ProfilesCommand.Create(context),
            RenderCommand.Create(context),
            DeployCommand.Create(context),
            GuardCommand.Create(context),
        };
        RunCommand.Configure(root, context);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; a command-line error exits with <see cref="ExitCodes.Usage"/>.</summary>
    public static int Run(string[] args, CliContext context)
    {
        var parseResult = CreateRootCommand(context).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                context.Error.WriteLine(error.Message);
            }

            context.Error.WriteLine("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        return parseResult.Invoke(Invocation(context));
    }

    /// <summary>As <see cref="Run"/>, for the program itself: the system runner is asynchronous.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        var parseResult = CreateRootCommand(context).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await context.Error.WriteLineAsync(error.Message);
            }

            await context.Error.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        return await parseResult.InvokeAsync(Invocation(context));
    }

    // The system runner handles SIGINT/SIGTERM itself (children are stopped first), so System.CommandLine's own
    // termination handling, which would end the process after a fixed timeout, is off.
    private static InvocationConfiguration Invocation(CliContext context) =>
        new() { Output = context.Out, Error = context.Error, ProcessTerminationTimeout = null };
}
