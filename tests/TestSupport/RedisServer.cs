using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Garnet;

namespace Aspire70B.TestSupport;

/// <summary>Which Redis-compatible server a test runs against.</summary>
public enum RedisKind
{
    Redis,
    Garnet,
}

/// <summary>
/// A real Redis-compatible server on a free loopback port: a <c>redis-server</c> process from PATH (CI installs it), or
/// Garnet in this process (Microsoft.Garnet as a library). It can be stopped and started again on the same port to
/// test fail-open behaviour. Without redis-server on PATH outside CI, Redis tests run against Garnet and say so.
/// A durable server (<see cref="StartDurableAsync"/>) is the batch store's, and a process of its own so that it can be
/// killed: every acknowledged write is fsync'd to an append-only file in a data directory, and a start on the same
/// directory recovers it (Garnet: the solution's GarnetServer project).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    // Garnet's default native device needs glibc 2.38 (Debian 12 has 2.36); .NET's RandomAccess works everywhere.
    private static readonly string[] GarnetStorage = ["--device-type", "RandomAccess"];
    private Process? _process;
    private GarnetServer? _garnet;

    private RedisServer(RedisKind kind, int port, string? dataDirectory = null)
    {
        Kind = kind;
        Port = port;
        DataDirectory = dataDirectory;
    }

    /// <summary>Where a durable server keeps its append-only file; null for an ephemeral one.</summary>
    public string? DataDirectory { get; }

    public RedisKind Kind { get; }

    /// <summary>The server actually running (Garnet when redis-server is missing outside CI).</summary>
    public RedisKind ActualKind { get; private set; }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(RedisKind kind)
    {
        var server = new RedisServer(kind, FreePort());
        await server.StartAsync();
        return server;
    }

    /// <summary>
    /// A server that keeps every acknowledged write through a SIGKILL, in <paramref name="dataDirectory"/>: Redis with
    /// AOF fsync'd on every write, Garnet with its AOF committed on every write and recovered at start. Neither evicts.
    /// </summary>
    public static async Task<RedisServer> StartDurableAsync(RedisKind kind, string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var server = new RedisServer(kind, RestartablePort(), dataDirectory);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var redis = FindOnPath("redis-server");
        var useRedis = Kind == RedisKind.Redis && redis is not null;
        if (Kind == RedisKind.Redis && redis is null && Environment.GetEnvironmentVariable("CI") == "true")
        {
            throw new InvalidOperationException("redis-server is not on PATH; CI must install it (apt-get install -y redis-server).");
        }

        ActualKind = useRedis ? RedisKind.Redis : RedisKind.Garnet;
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!useRedis && DataDirectory is null)
        {
            // Nothing to keep and nothing to kill: Garnet as a library, in this process.
            var started = Stopwatch.StartNew();
            _garnet = new GarnetServer(["--bind", "127.0.0.1", "--port", port, .. GarnetStorage]);
            _garnet.Start();
            LastGarnetStart = started.Elapsed;
            await WaitForPingAsync(() => null);
            return;
        }

        string[] persistence = (useRedis, DataDirectory) switch
        {
            (true, null) => ["--save", "", "--appendonly", "no"],
            (true, { } dir) => ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir, "--maxmemory-policy", "noeviction"],
            // Without --recover a restart comes back empty.
            (false, { } dir) => ["--aof", "--aof-commit-freq", "0", "--checkpointdir", dir, "--recover", .. GarnetStorage],
            _ => throw new InvalidOperationException("unreachable"),
        };
        // A durable Garnet is the solution's GarnetServer process, so that a test can kill it (SIGKILL) and start it again.
        var start = useRedis
            ? new ProcessStartInfo(redis!, ["--port", port, "--bind", "127.0.0.1", .. persistence])
            : new ProcessStartInfo("dotnet", [GarnetServerDll(), "--bind", "127.0.0.1", "--port", port, .. persistence]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _process = Process.Start(start) ?? throw new InvalidOperationException("The cache server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitForPingAsync(() => _process is { HasExited: true } exited ? exited.ExitCode : null);
    }

    /// <summary>How long the last in-process Garnet took to construct and start (for the report, not a verdict).</summary>
    public static TimeSpan? LastGarnetStart { get; private set; }

    private async Task WaitForPingAsync(Func<int?> exitCode)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (exitCode() is { } code)
            {
                throw new InvalidOperationException($"{ActualKind} exited with {code} while starting.");
            }

            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{ActualKind} did not answer PING on port {Port} within 60 s.");
    }

    /// <summary>Ends the server with SIGKILL (no shutdown, no final save), as a crash or a power cut would.</summary>
    public Task KillAsync() => StopAsync();

    public async Task StopAsync()
    {
        _garnet?.Dispose();
        _garnet = null;
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray());
            var buffer = new byte[16];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// A free port below Linux's ephemeral range (32768–60999), for a server a test kills and starts again on the same
    /// port: while it is down, no other test's port-0 bind (every other server, every client socket) can be handed it.
    /// </summary>
    private static int RestartablePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException("No free port between 20000 and 32000.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string GarnetServerDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(RepositoryRoot(), "GarnetServer", "bin", configuration, "net10.0", "Aspire70B.GarnetServer.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"GarnetServer is not built: {dll}");
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aspire70B.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Aspire70B.sln not found above the test binaries.");
    }
}
