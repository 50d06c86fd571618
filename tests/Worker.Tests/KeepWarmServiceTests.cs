using System.Globalization;
using System.Text.RegularExpressions;
using Aspire70B.TestSupport;

namespace Aspire70B.Worker.Tests;

/// <summary>The Worker process keeps the model warm: one-token completions reach the Simulator while the window is open.</summary>
public sealed partial class KeepWarmServiceTests
{
    [Fact]
    public async Task InsideTheWindowTheWorkerProbesTheModelAtTheInterval()
    {
        using var http = new HttpClient();
        await using var simulator = await SystemProcesses.StartSimulatorAsync();
        await using var gateway = await SystemProcesses.StartGatewayAsync(simulator, cache: null);
        var before = await FinishedAsync(http, simulator);
        var environment = new Dictionary<string, string>
        {
            ["services__apiservice__http__0"] = gateway.BaseAddress.ToString(),
            ["KeepWarm__Enabled"] = "true",
            ["KeepWarm__TimeZone"] = "UTC",
            ["KeepWarm__Start"] = "00:00",
            ["KeepWarm__End"] = "23:59:59",
            ["KeepWarm__Interval"] = "00:00:00.200",
            ["KeepWarm__Probe"] = "Completion",
        };
        for (var day = 0; day < 7; day++)
        {
            environment[$"KeepWarm__Days__{day}"] = ((DayOfWeek)day).ToString();
        }

        double probes;
        TimeSpan elapsed;
        await using (var worker = await ServiceProcess.StartUntilOutputAsync("Worker", [], environment, "Batch worker disabled"))
        {
            var started = DateTime.UtcNow;
            do
            {
                await Task.Delay(200);
                probes = await FinishedAsync(http, simulator) - before;
            }
            while (probes < 5 && DateTime.UtcNow - started < TimeSpan.FromSeconds(120));

            elapsed = DateTime.UtcNow - started;
        }

        // Probes keep coming while the window is open, and never faster than the interval allows.
        Assert.True(probes >= 5, $"{probes} probes in {elapsed.TotalSeconds:0.0} s");
        Assert.True(probes <= elapsed.TotalSeconds / 0.2 + 3, $"{probes} probes in {elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task OutsideTheWindowNothingIsSent()
    {
        using var http = new HttpClient();
        await using var simulator = await SystemProcesses.StartSimulatorAsync();
        await using var gateway = await SystemProcesses.StartGatewayAsync(simulator, cache: null);
        var before = await FinishedAsync(http, simulator);
        var environment = new Dictionary<string, string>
        {
            ["services__apiservice__http__0"] = gateway.BaseAddress.ToString(),
            ["KeepWarm__Enabled"] = "true",
            ["KeepWarm__Days__0"] = "Monday",
            ["KeepWarm__Interval"] = "00:00:00.100",
            ["KeepWarm__Probe"] = "Completion",
        };
        // A window that is surely closed now: one minute, one hour from now, on today's weekday only.
        var closed = DateTime.UtcNow.AddHours(1);
        environment["KeepWarm__Days__0"] = closed.DayOfWeek.ToString();
        environment["KeepWarm__Start"] = closed.ToString("HH:mm", CultureInfo.InvariantCulture);
        environment["KeepWarm__End"] = closed.AddMinutes(1).ToString("HH:mm", CultureInfo.InvariantCulture);

        await using (var worker = await ServiceProcess.StartUntilOutputAsync("Worker", [], environment, "Batch worker disabled"))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(before, await FinishedAsync(http, simulator));
    }

    private static async Task<double> FinishedAsync(HttpClient http, ServiceProcess simulator)
    {
        var text = await http.GetStringAsync(new Uri(simulator.BaseAddress, "metrics"));
        return SuccessLine().Matches(text).Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("""^vllm:request_success_total\{[^}]*finished_reason="(stop|length)"[^}]*\} (?<value>[0-9.e+]+)$""", RegexOptions.Multiline)]
    private static partial Regex SuccessLine();
}
