namespace Aspire70B.Simulator.Extensions;

/// <summary>
/// The Simulator's command line, mapped onto the <c>Simulator</c> configuration section so that flags, environment
/// variables (<c>Simulator__Profile</c>, …) and appsettings all set the same options.
/// </summary>
internal static class SimulatorCommandLine
{
    private static readonly string[] Flags = ["--enable-test-scripting", "--enable-fault-injection"];

    /// <summary>Switch → configuration key.</summary>
    public static IDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--profile"] = "Simulator:Profile",
        ["--time-scale"] = "Simulator:TimeScale",
        ["--mode"] = "Simulator:Mode",
        ["--api-key"] = "Simulator:ApiKey",
        ["--seed"] = "Simulator:Seed",
        ["--enable-test-scripting"] = "Simulator:EnableTestScripting",
        ["--enable-fault-injection"] = "Simulator:EnableFaultInjection",
        ["--prefill-tokens-per-second"] = "Simulator:PrefillTokensPerSecond",
        ["--decode-tokens-per-second"] = "Simulator:DecodeTokensPerSecond",
        ["--modal-proxy-key"] = "Simulator:Modal:ProxyKey",
        ["--modal-proxy-secret"] = "Simulator:Modal:ProxySecret",
        ["--modal-cold-start"] = "Simulator:Modal:ColdStartSeconds",
        ["--modal-response-start-limit"] = "Simulator:Modal:ResponseStartLimitSeconds",
    };

    /// <summary>Gives the valueless flags a value (<c>--enable-fault-injection</c> → <c>--enable-fault-injection=true</c>), which configuration needs.</summary>
    public static string[] Normalize(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var normalized = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var isFlag = Flags.Contains(args[i], StringComparer.OrdinalIgnoreCase);
            var hasValue = i + 1 < args.Length && bool.TryParse(args[i + 1], out _);
            normalized.Add(isFlag && !hasValue ? args[i] + "=true" : args[i]);
        }

        return [.. normalized];
    }
}
