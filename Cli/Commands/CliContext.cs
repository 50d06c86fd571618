namespace Aspire70B.Cli.Commands;

/// <summary>Where a command writes. Tests pass string writers; the program passes the console.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error, TextReader In)
{
    public static CliContext FromConsole() => new(Console.Out, Console.Error, Console.In);
}

/// <summary>Process exit codes shared by every subcommand.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and reports a negative verdict (an infeasible plan, a template error).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: an unknown value, a bad number, a missing argument.</summary>
    public const int Usage = 2;
}
