using System.CommandLine;
using System.Globalization;
using Aspire70B.SimulatorBench;

// Starts the Simulator at time scale 0 on loopback, drives it for a bounded time, and prints its throughput, so that
// gateway benchmarks can show the Simulator is not their bottleneck. Not a test: numbers depend on the machine.
var profile = new Option<string>("--profile") { Description = "Deployment profile the Simulator emulates.", DefaultValueFactory = _ => "awq-int4-a100" };
var seconds = new Option<int>("--seconds") { Description = "Duration of each phase (1-120).", DefaultValueFactory = _ => 5 };
var concurrency = new Option<int>("--concurrency") { Description = "Concurrent clients (1-1024).", DefaultValueFactory = _ => 32 };
var streamTokens = new Option<int>("--stream-tokens") { Description = "max_tokens of each streamed request.", DefaultValueFactory = _ => 256 };
var simulator = new Option<FileInfo?>("--simulator") { Description = "Aspire70B.Simulator.dll to run (default: the one built next to this repository's Simulator project)." };
var root = new RootCommand("Simulator throughput at time scale 0: non-streamed requests/s and streamed tokens/s.")
{
    profile, seconds, concurrency, streamTokens, simulator,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var duration = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(seconds), 1, 120));
    var clients = Math.Clamp(parse.GetValue(concurrency), 1, 1024);
    var dll = parse.GetValue(simulator) ?? SimulatorLocator.Find();
    await using var server = await SimulatorProcess.StartAsync(dll, parse.GetValue(profile)!, cancellationToken);
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = server.BaseAddress };
    var load = new LoadRunner(http, clients, duration);

    await new LoadRunner(http, clients, TimeSpan.FromSeconds(1)).NonStreamingAsync(16, cancellationToken);
    var plain = await load.NonStreamingAsync(16, cancellationToken);
    var streamed = await load.StreamingAsync(Math.Clamp(parse.GetValue(streamTokens), 1, 4096), cancellationToken);

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Simulator {server.BaseAddress} profile {parse.GetValue(profile)}, time scale 0, {clients} clients, {duration.TotalSeconds:0} s per phase, {Environment.ProcessorCount} CPUs"));
    Console.WriteLine("phase           requests   req/s      tokens      tokens/s   failures");
    foreach (var r in new[] { plain, streamed })
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Name,-14}  {r.Requests,8}  {r.RequestsPerSecond,8:0}  {r.Tokens,10}  {r.TokensPerSecond,10:0}  {r.Failures,8}"));
    }

    return plain.Failures + streamed.Failures == 0 ? 0 : 1;
});

return await root.Parse(args).InvokeAsync();
