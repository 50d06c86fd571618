using System.CommandLine;

namespace Aspire70B.Cli.Commands;

/// <summary>The <c>aspire70b</c> command line: <c>plan</c>, <c>profiles</c>, <c>render</c> and <c>deploy modal</c>.</summary>
internal static class CliApp
{
    public static RootCommand CreateRootCommand(CliContext context)
    {
        return new RootCommand("aspire70b: plan, price, render and deploy Llama 3.1 70B on vLLM.")
        {
            PlanCommand.Create(context),
            ProfilesCommand.Create(context),
            RenderCommand.Create(context),
            DeployCommand.Create(context),
        };
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

    /// <summary>As <see cref="Run"/>, for the program itself.</summary>
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

    private static InvocationConfiguration Invocation(CliContext context) =>
        new() { Output = context.Out, Error = context.Error };
}
