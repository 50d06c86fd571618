using Aspire70B.AppHost.Commands;

return await CliApp.RunAsync(args, CliContext.FromConsole());
