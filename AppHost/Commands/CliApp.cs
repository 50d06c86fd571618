using System.CommandLine;

namespace Aspire70B.AppHost.Commands;

/// <summary>The AppHost command line: the system runner and its subcommands.</summary>
internal static class CliApp
{
    public static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand("Aspire70B: Llama 3.1 70B as an ordinary chat service.")
        {
            RenderCommand.Create(context),
        };
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

        return parseResult.Invoke(new InvocationConfiguration { Output = context.Out, Error = context.Error });
    }
}
