using System.Diagnostics;
using System.Globalization;
using Aspire70B.GatewayBench.Contenders;
using Aspire70B.GatewayBench.Processes;

namespace Aspire70B.ReplicaBench.Cluster;

/// <summary>A Simulator replica: the name ApiService knows it by (its connection string's key) and its process.</summary>
internal sealed record Replica(string Name, ChildProcess Process, Uri Address);

/// <summary>
/// N Simulators on free loopback ports and, unless measured directly, ApiService in front of them with one connection
/// string per replica (<c>ConnectionStrings__model</c> for one, <c>model-1</c>… for several), no prompt cache, and the
/// routing policy given. Disposing it kills every process it started, by its own id.
/// </summary>
internal sealed class ReplicaCluster : IAsyncDisposable
{
    /// <summary>The model name in every request and connection string: the profile's served name.</summary>
    public const string Model = "llama-3.1-70b-instruct";

    private readonly List<ChildProcess> _alive;

    private ReplicaCluster(IReadOnlyList<Replica> replicas, ChildProcess? gateway)
    {
        Replicas = replicas;
        Gateway = gateway;
        _alive = [.. replicas.Select(r => r.Process)];
        if (gateway is not null)
        {
            _alive.Add(gateway);
        }
    }

    public IReadOnlyList<Replica> Replicas { get; }

    /// <summary>ApiService, or null when the first Simulator is measured directly.</summary>
    public ChildProcess? Gateway { get; }

    /// <summary>Where the users send their chats.</summary>
    public Uri Target => Gateway?.Address ?? Replicas[0].Address;

    public static async Task<ReplicaCluster> StartAsync(Repository repository, ReplicaSettings settings, int count, string? policy, bool direct, CancellationToken cancellationToken)
    {
        var names = count == 1 ? ["model"] : Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"model-{i}")).ToArray();
        var starting = names.Select(name => StartSimulatorAsync(repository, settings, name, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(s => s.IsCompletedSuccessfully))
            {
                await started.Result.Process.DisposeAsync();
            }

            throw;
        }

        var replicas = starting.Select(s => s.Result).ToList();
        if (direct)
        {
            return new ReplicaCluster(replicas, gateway: null);
        }

        try
        {
            return new ReplicaCluster(replicas, await StartGatewayAsync(repository, settings, replicas, policy, cancellationToken));
        }
        catch
        {
            foreach (var replica in replicas)
            {
                await replica.Process.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>SIGKILLs a replica (its whole process tree), as a crashed GPU node would vanish; returns when.</summary>
    public long Kill(string name)
    {
        var replica = Replicas.Single(r => r.Name == name);
        var at = Stopwatch.GetTimestamp();
        using var process = Process.GetProcessById(replica.Process.Id);
        process.Kill(entireProcessTree: true);
        return at;
    }

    public async ValueTask DisposeAsync()
    {
        // The gateway first, so that it does not see its replicas vanish; each process once.
        foreach (var process in Enumerable.Reverse(_alive))
        {
            await process.DisposeAsync();
        }

        _alive.Clear();
    }

    private static async Task<Replica> StartSimulatorAsync(Repository repository, ReplicaSettings settings, string name, CancellationToken cancellationToken)
    {
        var port = ChildProcess.FreeLoopbackPort();
        var address = Loopback(port);
        // One seed for all: at temperature 0 every replica gives the same answer to the same prompt, as one model would.
        var start = Dotnet(repository.ReleaseDll("Simulator"),
            "--profile", settings.Profile,
            "--time-scale", settings.TimeScale.ToString(CultureInfo.InvariantCulture),
            "--seed", "0",
            "--urls", address.ToString().TrimEnd('/'));
        var process = await ChildProcess.StartAsync($"Simulator {name}", start, new Uri(address, "health"), cancellationToken);
        return new Replica(name, process, address);
    }

    private static async Task<ChildProcess> StartGatewayAsync(Repository repository, ReplicaSettings settings, IReadOnlyList<Replica> replicas, string? policy, CancellationToken cancellationToken)
    {
        var port = ChildProcess.FreeLoopbackPort();
        var address = Loopback(port);
        var start = Dotnet(repository.ReleaseDll("ApiService"), "--urls", address.ToString().TrimEnd('/'));
        foreach (var replica in replicas)
        {
            start.Environment[$"ConnectionStrings__{replica.Name}"] = $"Endpoint={replica.Address};Model={Model}";
        }

        start.Environment["Gateway__Profile"] = settings.Profile;
        if (policy is not null)
        {
            start.Environment["Routing__Policy"] = policy;
        }

        // One client at a hundred chats per second: the per-key limit must not be what is measured.
        start.Environment["RateLimit__PermitsPerMinute"] = "1000000";
        start.Environment["RateLimit__Burst"] = "100000";
        // One line per event with a UTC time, so that the failover phase can time the breaker from the log.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        return await ChildProcess.StartAsync("ApiService", start, new Uri(address, "health"), cancellationToken);
    }

    private static ProcessStartInfo Dotnet(FileInfo dll, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [dll.FullName, .. arguments]);
        // Nothing of the bench's own environment decides what is measured: no inherited model, cache or routing.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Routing__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return start;
    }

    private static Uri Loopback(int port) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
}
