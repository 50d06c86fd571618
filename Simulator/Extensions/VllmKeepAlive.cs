using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Aspire70B.Simulator.Extensions;

/// <summary>
/// How long an idle keep-alive connection stays open after a response: vLLM passes <c>VLLM_HTTP_TIMEOUT_KEEP_ALIVE</c>
/// (seconds, default 5) to uvicorn as <c>timeout_keep_alive</c>, so a client whose pool keeps connections longer meets
/// connections the server has closed. The Simulator closes them on the same schedule.
/// </summary>
internal static class VllmKeepAlive
{
    public const string Variable = "VLLM_HTTP_TIMEOUT_KEEP_ALIVE";

    public static TimeSpan Default => TimeSpan.FromSeconds(5);

    /// <summary>The timeout <paramref name="configuration"/> asks for; a value vLLM could not read stops the start.</summary>
    public static TimeSpan From(IConfiguration configuration)
    {
        var value = configuration[Variable];
        if (string.IsNullOrEmpty(value))
        {
            return Default;
        }

        return int.TryParse(value, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new InvalidOperationException($"{Variable} must be a whole number of seconds greater than 0; it is '{value}'.");
    }

    /// <summary>Applies the timeout to Kestrel, read from the application's configuration when the server starts.</summary>
    public static IServiceCollection AddVllmKeepAlive(this IServiceCollection services) =>
        services.AddOptions<KestrelServerOptions>()
            .Configure<IConfiguration>((kestrel, configuration) => kestrel.Limits.KeepAliveTimeout = From(configuration))
            .Services;
}
