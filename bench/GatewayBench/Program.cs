using System.CommandLine;
using System.Globalization;
using Aspire70B.GatewayBench;

// The gateway's cost, side by side with the alternatives, in one run on loopback: the Simulator at time scale 0,
// then direct, nginx, Portkey, ApiService without cache and ApiService serving cache hits in turn against it.
// Not a test: the figures depend on the machine and its load, which the report states next to them.
var seconds = new Option<double>("--seconds") { Description = "Duration of each measured phase (0.5-30).", DefaultValueFactory = _ => 3 };
var repeats = new Option<int>("--repeats") { Description = "Runs of each phase; medians are reported (1-9).", DefaultValueFactory = _ => 3 };
var rates = new Option<string>("--rates") { Description = "Open-loop arrival rates, requests/s, comma-separated.", DefaultValueFactory = _ => "500,1000,2000" };
var workers = new Option<int>("--workers") { Description = "Concurrent clients at saturation (1-1024).", DefaultValueFactory = _ => 64 };
var streams = new Option<int>("--streams") { Description = "Concurrent streams (1-1000).", DefaultValueFactory = _ => 1000 };
var streamRate = new Option<int>("--stream-rate") { Description = "Open-loop streams per second, for time to first token without a queue (1-5000).", DefaultValueFactory = _ => 200 };
var sustained = new Option<int>("--sustained") { Description = "Seconds of the memory-growth run, 0 to skip (0-300).", DefaultValueFactory = _ => 60 };
var only = new Option<string?>("--only") { Description = "Comma-separated contenders to run (direct,nginx,portkey,apiservice-whole,apiservice-off,apiservice-hits); default all." };
var output = new Option<FileInfo?>("--output") { Description = "Markdown report (default bench/results/latest.md)." };
var profile = new Option<string>("--profile") { Description = "Deployment profile of the Simulator and ApiService.", DefaultValueFactory = _ => "awq-int4-a100" };
var root = new RootCommand("Benchmarks the gateway against direct, nginx and Portkey on loopback and prints one table.")
{
    seconds, repeats, rates, workers, streams, streamRate, sustained, only, output, profile,
};
rates.Validators.Add(result =>
{
    var values = result.GetValueOrDefault<string>()?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
    if (values.Length == 0 || values.Any(v => !int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var rate) || rate is < 1 or > 20_000))
    {
        result.AddError("--rates takes whole requests per second from 1 to 20000, comma-separated.");
    }
    else if (values.Select(v => int.Parse(v, CultureInfo.InvariantCulture)).Distinct().Count() != values.Length)
    {
        result.AddError("--rates names a rate twice: each rate is one row of the report.");
    }
});
root.SetAction(async (parse, cancellationToken) =>
{
    var settings = new BenchSettings(
        TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(seconds), 0.5, 30)),
        Math.Clamp(parse.GetValue(repeats), 1, 9),
        [.. parse.GetValue(rates)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => int.Parse(r, CultureInfo.InvariantCulture))],
        Math.Clamp(parse.GetValue(workers), 1, 1024),
        Math.Clamp(parse.GetValue(streams), 1, 1000),
        Math.Clamp(parse.GetValue(streamRate), 1, 5000),
        TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(sustained), 0, 300)),
        parse.GetValue(profile)!);
    var selected = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    return await new BenchRun(settings, selected, parse.GetValue(output)).RunAsync(cancellationToken);
});

return await root.Parse(args).InvokeAsync();
