using System.CommandLine;
using System.Globalization;
using Aspire70B.ReplicaBench;

// Replicas behind the gateway, in one run on loopback: multi-turn conversations on shared system prompts, streamed
// through ApiService (no prompt cache) to 1, 2 and 4 Simulator replicas under each routing policy, then a replica
// killed under load. Not a test: the figures depend on the machine and its load, which the report states next to them.
var quick = new Option<bool>("--quick") { Description = "About 2 minutes: shorter phases, same configurations." };
var replicas = new Option<string>("--replicas") { Description = "Replica counts, comma-separated (1-8 each).", DefaultValueFactory = _ => "1,2,4" };
var policies = new Option<string>("--policies") { Description = "Routing policies for more than one replica.", DefaultValueFactory = _ => "RoundRobin,LeastLoaded,PrefixAffinity" };
var users = new Option<int>("--users") { Description = "Concurrent users, each in its own conversation (1-1024).", DefaultValueFactory = _ => 128 };
var turns = new Option<int>("--turns") { Description = "Turns per conversation before the user starts a new one (1-32).", DefaultValueFactory = _ => 8 };
var seconds = new Option<double?>("--seconds") { Description = "Measured seconds per configuration (default 20, quick 5)." };
var warmUp = new Option<double?>("--warm-up") { Description = "Unmeasured seconds of the same load first, while conversations grow (default 15, quick 5)." };
var timeScale = new Option<double>("--time-scale") { Description = "The Simulators' time scale (0.05-10): 1 is the profile's real speed.", DefaultValueFactory = _ => 0.5 };
var maxTokens = new Option<int>("--max-tokens") { Description = "max_tokens of every answer (1-1024).", DefaultValueFactory = _ => 64 };
var failover = new Option<bool>("--failover") { Description = "Run the failover phase (2 replicas, one killed).", DefaultValueFactory = _ => true };
var direct = new Option<bool?>("--direct") { Description = "Also measure one Simulator without the gateway (default: yes, not with --quick)." };
var output = new Option<FileInfo?>("--output") { Description = "Markdown report (default bench/results/replicas-latest.md)." };
var profile = new Option<string>("--profile") { Description = "Deployment profile of the Simulators and ApiService.", DefaultValueFactory = _ => "awq-int4-a100" };
var root = new RootCommand("Benchmarks routing across Simulator replicas behind ApiService and prints one table.")
{
    quick, replicas, policies, users, turns, seconds, warmUp, timeScale, maxTokens, failover, direct, output, profile,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var isQuick = parse.GetValue(quick);
    var settings = new ReplicaSettings(
        [.. parse.GetValue(replicas)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => Math.Clamp(int.Parse(r, CultureInfo.InvariantCulture), 1, 8)).Distinct()],
        [.. parse.GetValue(policies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ReplicaSettings.ParsePolicy)],
        Math.Clamp(parse.GetValue(users), 1, 1024),
        Math.Clamp(parse.GetValue(turns), 1, 32),
        TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(seconds) ?? (isQuick ? 5 : 20), 1, 300)),
        TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(warmUp) ?? (isQuick ? 5 : 15), 0, 120)),
        Math.Clamp(parse.GetValue(timeScale), 0.05, 10),
        Math.Clamp(parse.GetValue(maxTokens), 1, 1024),
        parse.GetValue(failover),
        parse.GetValue(direct) ?? !isQuick,
        parse.GetValue(profile)!,
        isQuick);
    return await new ReplicaRun(settings, parse.GetValue(output)).RunAsync(cancellationToken);
});

return await root.Parse(args).InvokeAsync();
