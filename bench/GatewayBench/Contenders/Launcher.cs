using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Aspire70B.GatewayBench.Load;
using Aspire70B.GatewayBench.Processes;

namespace Aspire70B.GatewayBench.Contenders;

/// <summary>Starts the Simulator and each contender in front of it, every one on a free loopback port.</summary>
internal sealed class Launcher(Repository repository, string profile, string workDirectory)
{
    public async Task<ChildProcess> SimulatorAsync(CancellationToken cancellationToken)
    {
        var port = ChildProcess.FreeLoopbackPort();
        var start = Dotnet(repository.ReleaseDll("Simulator"), "--profile", profile, "--time-scale", "0", "--seed", "0", "--urls", Loopback(port));
        return await ChildProcess.StartAsync("Simulator", start, new Uri($"{Loopback(port)}/health"), cancellationToken);
    }

    public static Contender Direct(ChildProcess simulator, Uri simulatorAddress) =>
        new("direct", Contender.ChatAt(simulatorAddress), simulator.Id);

    /// <summary>nginx as a plain reverse proxy: buffering off, keep-alive to the upstream, no access log; <c>/ok</c> answers 200 itself.</summary>
    public async Task<Contender> NginxAsync(Uri simulatorAddress, CancellationToken cancellationToken)
    {
        var port = ChildProcess.FreeLoopbackPort();
        var prefix = Directory.CreateDirectory(Path.Combine(workDirectory, "nginx")).FullName;
        var config = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(config, NginxConfig(port, simulatorAddress, prefix), cancellationToken);
        var start = new ProcessStartInfo("nginx", ["-p", prefix, "-c", config]);
        var nginx = await ChildProcess.StartAsync("nginx", start, new Uri($"{Loopback(port)}/ok"), cancellationToken);
        return new Contender("nginx", Contender.ChatAt(new Uri($"{Loopback(port)}/")), nginx.Id, nginx);
    }

    /// <summary>nginx's own 200 (no upstream): the load generator's ceiling.</summary>
    public static ChatTarget NginxOk(Contender nginx) => new(new Uri(nginx.Target.ChatCompletions, "/ok"), new Dictionary<string, string>());

    /// <summary>Portkey's open-source gateway (npm), routing to the Simulator as a custom OpenAI host.</summary>
    public async Task<Contender> PortkeyAsync(Uri simulatorAddress, CancellationToken cancellationToken)
    {
        var script = Path.Combine(repository.NpmPrefix, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");
        if (!File.Exists(script))
        {
            throw new FileNotFoundException("Portkey is not installed (bench/gateway.sh runs npm install --prefix bench/.deps @portkey-ai/gateway).", script);
        }

        var port = ChildProcess.FreeLoopbackPort();
        var start = new ProcessStartInfo("node", ["--import", new Uri(repository.PortkeyShims).AbsoluteUri, script, $"--port={port}", "--headless"]);
        start.Environment["NODE_ENV"] = "production";
        var portkey = await ChildProcess.StartAsync("portkey", start, new Uri($"{Loopback(port)}/"), cancellationToken);
        var headers = new Dictionary<string, string>
        {
            ["x-portkey-provider"] = "openai",
            ["x-portkey-custom-host"] = new Uri(simulatorAddress, "v1").ToString(),
            ["Authorization"] = "Bearer sk-bench",
        };
        return new Contender("portkey", Contender.ChatAt(new Uri($"{Loopback(port)}/"), headers), portkey.Id, portkey);
    }

    /// <summary>
    /// ApiService from its Release build; with <paramref name="withCache"/> a redis-server of its own, else no cache at all;
    /// <paramref name="configuration"/> on top (environment variables, e.g. <c>Backend__UpstreamStreaming</c>).
    /// </summary>
    public async Task<Contender> ApiServiceAsync(
        string name, Uri simulatorAddress, bool withCache, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? configuration = null)
    {
        ChildProcess? redis = null;
        var port = ChildProcess.FreeLoopbackPort();
        var start = Dotnet(repository.ReleaseDll("ApiService"), "--urls", Loopback(port));
        start.Environment["ConnectionStrings__model"] = $"Endpoint={simulatorAddress};Model={ChatBodies.Model}";
        start.Environment["Gateway__Profile"] = profile;
        // The bench is one caller at thousands of requests per second: the per-key limit must not be what is measured.
        start.Environment["RateLimit__PermitsPerMinute"] = "1000000";
        start.Environment["RateLimit__Burst"] = "100000";
        foreach (var (key, value) in configuration ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        if (withCache)
        {
            var redisPort = ChildProcess.FreeLoopbackPort();
            redis = await RedisAsync(redisPort, cancellationToken);
            start.Environment["ConnectionStrings__cache"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redisPort}");
        }

        try
        {
            var api = await ChildProcess.StartAsync(name, start, new Uri($"{Loopback(port)}/health"), cancellationToken);
            return redis is null
                ? new Contender(name, Contender.ChatAt(new Uri($"{Loopback(port)}/")), api.Id, api)
                : new Contender(name, Contender.ChatAt(new Uri($"{Loopback(port)}/")), api.Id, redis, api);
        }
        catch
        {
            if (redis is not null)
            {
                await redis.DisposeAsync();
            }

            throw;
        }
    }

    private static async Task<ChildProcess> RedisAsync(int port, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        return await ChildProcess.StartAsync("redis-server", start, token => PingRedisAsync(port, token), cancellationToken);
    }

    private static async Task<bool> PingRedisAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static ProcessStartInfo Dotnet(FileInfo dll, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [dll.FullName, .. arguments]);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return start;
    }

    private static string Loopback(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    private static string NginxConfig(int port, Uri upstream, string prefix) => string.Create(CultureInfo.InvariantCulture, $$"""
        daemon off;
        master_process on;
        worker_processes auto;
        error_log {{prefix}}/error.log warn;
        pid {{prefix}}/nginx.pid;
        worker_rlimit_nofile 16384;
        events { worker_connections 8192; }
        http {
            access_log off;
            client_body_temp_path {{prefix}}/client_body;
            proxy_temp_path {{prefix}}/proxy;
            fastcgi_temp_path {{prefix}}/fastcgi;
            uwsgi_temp_path {{prefix}}/uwsgi;
            scgi_temp_path {{prefix}}/scgi;
            keepalive_requests 1000000;
            upstream model {
                server 127.0.0.1:{{upstream.Port}};
                keepalive 512;
                keepalive_timeout 4s;
            }
            server {
                listen 127.0.0.1:{{port}};
                location = /ok { return 200 "ok"; }
                location / {
                    proxy_pass http://model;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_buffering off;
                    proxy_request_buffering off;
                }
            }
        }
        """);
}
