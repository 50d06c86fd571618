using System.CommandLine;
using Aspire70B.AppHost.Hosting;

namespace Aspire70B.AppHost.Commands;

/// <summary>The hidden <c>guard</c> command: the AppHost's own orphan guard (see <see cref="OrphanGuard"/>).</summary>
internal static class GuardCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command(OrphanGuard.CommandName, "Internal: stops the AppHost's children if the AppHost dies.") { Hidden = true };
        command.SetAction(async (_, cancellationToken) =>
        {
            await OrphanGuard.GuardAsync(context.In, DistributedApplication.StopGracePeriod, cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}
