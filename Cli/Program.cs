using Aspire70B.Cli.Commands;

return await CliApp.RunAsync(args, CliContext.FromConsole());
