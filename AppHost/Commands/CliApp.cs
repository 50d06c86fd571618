using System.CommandLine;

namespace Aspire70B.AppHost.Commands;

/// <summary>The AppHost command line: the system runner and its subcommands.</summary>
internal static class CliApp
{
    public static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand("Aspire70B: Llama 3.1 70B as an ordinary chat service.")
        {
            PlanCommand.Create(context),
            ProfilesCommand.Create(context),
            RenderCommand.Create(context),
        };
        root.SetAction(_ =>
        {
            // Orchestration (Redis, model server, ApiService, Worker) is the AppHost issue's work; until it lands the
            // bare command says so plainly instead of pretending to start anything.
            context.Out.WriteLine("Aspire70B AppHost. Starting the whole system is not available yet; these commands are:");
            foreach (var command in root.Subcommands)
            {
                context.Out.WriteLine($"  {command.Name,-10} {command.Description}");
            }

            context.Out.WriteLine("Run 'dotnet run --project AppHost -- COMMAND --help' for a command's options.");
            return ExitCodes.Success;
        });
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
