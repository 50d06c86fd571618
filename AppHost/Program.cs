using Aspire70B.AppHost.Commands;

return CliApp.Run(args, CliContext.FromConsole());
