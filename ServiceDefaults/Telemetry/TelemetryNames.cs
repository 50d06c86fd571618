namespace Aspire70B.ServiceDefaults.Telemetry;

/// <summary>
/// The ActivitySources and Meters a service exports. The defaults are .NET's built-in ASP.NET Core, HttpClient and
/// runtime ones plus every name under <c>Aspire70B.</c> (wildcards as OpenTelemetry's <c>AddSource</c>/<c>AddMeter</c>
/// accept them), so a service's own <c>Aspire70B.ApiService</c> source is exported without further wiring.
/// </summary>
public sealed class TelemetryNames
{
    public const string ProductPrefix = "Aspire70B.*";

    public List<string> ActivitySources { get; } = [];

    public List<string> Meters { get; } = [];

    public static TelemetryNames Defaults()
    {
        var names = new TelemetryNames();
        names.ActivitySources.AddRange(["Microsoft.AspNetCore", "System.Net.Http", ProductPrefix]);
        names.Meters.AddRange([
            "Microsoft.AspNetCore.Hosting",
            "Microsoft.AspNetCore.Server.Kestrel",
            "Microsoft.AspNetCore.Routing",
            "Microsoft.AspNetCore.Diagnostics",
            "Microsoft.AspNetCore.RateLimiting",
            "System.Net.Http",
            "System.Net.NameResolution",
            "System.Runtime",
            ProductPrefix,
        ]);
        return names;
    }
}
