using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Aspire70B.GatewayBench.Processes;

/// <summary>
/// A server the bench started, on loopback, ready once <c>readyUri</c> answers; disposing it kills its whole process
/// tree (by its own id, nothing else). The last lines of its output are kept for error messages.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>The root of the server's HTTP address, for servers started with a readiness URI.</summary>
    public Uri? Address { get; private set; }

    public string Output => string.Join('\n', _output);

    /// <summary>Starts <paramref name="start"/> and waits until <paramref name="readyUri"/> answers with a success status.</summary>
    public static async Task<ChildProcess> StartAsync(string name, ProcessStartInfo start, Uri readyUri, CancellationToken cancellationToken)
    {
        var child = await StartAsync(name, start, token => AnswersAsync(readyUri, token), cancellationToken);
        child.Address = new Uri(readyUri, "/");
        return child;
    }

    /// <summary>Starts <paramref name="start"/> and waits until <paramref name="isReady"/> says so.</summary>
    public static async Task<ChildProcess> StartAsync(string name, ProcessStartInfo start, Func<CancellationToken, Task<bool>> isReady, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var child = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start."), name);
        try
        {
            await child.WaitUntilReadyAsync(isReady, cancellationToken);
            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }

        _process.Dispose();
    }

    private static async Task<bool> AnswersAsync(Uri readyUri, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await client.GetAsync(readyUri, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false; // Not listening yet.
        }
    }

    private async Task WaitUntilReadyAsync(Func<CancellationToken, Task<bool>> isReady, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting:\n{Output}");
            }

            if (await isReady(cancellationToken))
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not ready within {StartTimeout.TotalSeconds:0} s:\n{Output}");
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }
}
