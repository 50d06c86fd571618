using System.Collections.Concurrent;
using System.Diagnostics;
using Aspire70B.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire70B.AppHost.Tests;

/// <summary>
/// The AppHost under Aspire.Hosting.Testing: the real map (Program.cs) with the given options, DCP running every
/// resource as a real process on loopback, a batch-store data folder of its own, and helpers to wait on resource
/// states and read resource logs.
/// </summary>
internal sealed class TestApp : IAsyncDisposable
{
    /// <summary>Generous on a loaded 2-core machine: a verdict never hangs on this bound, it only stops a stuck test.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("ASPIRE70B_TEST_BOUND_SECONDS"), out var seconds) ? seconds : 240);

    private readonly DirectoryInfo _data;
    private readonly ConcurrentQueue<(string Resource, string? State)> _states;
    private readonly CancellationTokenSource _stop = new();

    private TestApp(DistributedApplication app, DirectoryInfo data, ConcurrentQueue<(string, string?)> states)
    {
        App = app;
        _data = data;
        _states = states;
    }

    public DistributedApplication App { get; }

    public TimeSpan TimeToHealthy { get; private set; }

    /// <summary>The AppHost's log, for a failing test's message.</summary>
    public LogFile Log { get; private init; } = null!;

    /// <summary>Every state <paramref name="resource"/> has shown so far, in order (repeats folded).</summary>
    public IReadOnlyList<string> StatesOf(string resource) =>
        _states.Where(s => s.Resource == resource && s.State is not null).Select(s => s.State!)
            .Aggregate(new List<string>(), (seen, state) => { if (seen.Count == 0 || seen[^1] != state) { seen.Add(state); } return seen; });

    public string DataDirectory => _data.FullName;

    public static async Task<TestApp> StartAsync(string[] args, Action<IDistributedApplicationTestingBuilder>? configure = null, bool waitUntilHealthy = true)
    {
        var data = Directory.CreateTempSubdirectory("aspire70b-apphost-data-");
        using var timeout = new CancellationTokenSource(Bound);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>([.. args, "--data-dir", data.FullName], timeout.Token);
        var log = new LogFile();
        builder.Services.AddLogging(logging => logging.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        configure?.Invoke(builder);
        var app = await builder.BuildAsync(timeout.Token);
        var test = new TestApp(app, data, new ConcurrentQueue<(string, string?)>()) { Log = log };
        test.RecordStates();
        var clock = Stopwatch.StartNew();
        // Aspire's start returns once every resource has started, which includes waiting for what each one waits
        // for: a test that must act during a start (a fake vLLM waiting to be told to go on) does not await it.
        test.Starting = app.StartAsync(CancellationToken.None);
        if (waitUntilHealthy)
        {
            try
            {
                await test.WaitUntilHealthyAsync();
            }
            catch
            {
                await test.DisposeAsync();
                throw;
            }

            test.TimeToHealthy = clock.Elapsed;
        }

        return test;
    }

    /// <summary>Aspire's start (see <see cref="StartAsync"/>).</summary>
    public Task Starting { get; private set; } = Task.CompletedTask;

    public async Task WaitUntilHealthyAsync()
    {
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            await Starting.WaitAsync(timeout.Token);
            foreach (var name in (string[])["cache", "batches", .. ModelNames, "apiservice"])
            {
                await App.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token);
            }

            await App.ResourceNotifications.WaitForResourceAsync("worker", KnownResourceStates.Running, timeout.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"Not healthy within {Bound}.\n{Diagnostics()}", e);
        }
    }

    /// <summary>The models behind the gateway: <c>model</c>, or one per replica (<c>model-1</c>, …, <c>model-modal</c>).</summary>
    public IReadOnlyList<string> ModelNames =>
        [.. App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<Aspire70B.Hosting.Vllm.VllmModelResource>().Select(m => m.Name)];

    /// <summary>Every state each resource went through, and the AppHost's log: what a failing test shows.</summary>
    public string Diagnostics() =>
        "States:\n" + string.Join('\n', _states.Select(s => $"{s.Resource}: {s.State}")) + "\nLog:\n" + Log.Text;

    /// <summary>Waits (bounded) until <paramref name="resource"/>'s state satisfies <paramref name="predicate"/>.</summary>
    public async Task<CustomResourceSnapshot> WaitForStateAsync(string resource, Func<string?, bool> predicate)
    {
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            var e = await App.ResourceNotifications.WaitForResourceAsync(resource, e => predicate(e.Snapshot.State?.Text), timeout.Token);
            return e.Snapshot;
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"{resource} did not reach the state within {Bound}.\n{Diagnostics()}", e);
        }
    }

    private void RecordStates() => _ = Task.Run(async () =>
    {
        try
        {
            await foreach (var e in App.ResourceNotifications.WatchAsync(_stop.Token))
            {
                _states.Enqueue((e.Resource.Name, e.Snapshot.State?.Text));
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    });

    public HttpClient ApiService() => WithTimeout(App.CreateHttpClient("apiservice", "http"));

    public T Resource<T>(string name)
        where T : IResource =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<T>().Single(r => r.Name == name);

    public CustomResourceSnapshot Snapshot(string name) =>
        App.ResourceNotifications.TryGetCurrentState(name, out var e) ? e.Snapshot : throw new InvalidOperationException($"{name} has no state yet");

    /// <summary>
    /// Waits (bounded by <see cref="Bound"/>) until a line of <paramref name="resource"/>'s log contains
    /// <paramref name="needle"/>, and returns the line from there (without the timestamp the log puts before it).
    /// </summary>
    public async Task<string> WaitForLogAsync(string resource, string needle)
    {
        using var timeout = new CancellationTokenSource(Bound);
        var logs = App.Services.GetRequiredService<ResourceLoggerService>();
        await foreach (var batch in logs.WatchAsync(Resource<IResource>(resource)).WithCancellation(timeout.Token))
        {
            if (batch.FirstOrDefault(l => l.Content.Contains(needle, StringComparison.Ordinal)) is { } line)
            {
                return line.Content[line.Content.IndexOf(needle, StringComparison.Ordinal)..];
            }
        }

        throw new InvalidOperationException($"{resource}'s log ended without the line");
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAny(Starting, Task.Delay(TimeSpan.FromSeconds(1)));
        await _stop.CancelAsync();
        _stop.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _data.Delete(recursive: true);
    }

    private static HttpClient WithTimeout(HttpClient client)
    {
        client.Timeout = TimeSpan.FromSeconds(60);
        return client;
    }
}

/// <summary>The tests that share one running system (one start, ~10–20 s, for all of them).</summary>
[CollectionDefinition(Name)]
public sealed class SharedSystem : ICollectionFixture<RunningSystem>
{
    public const string Name = "system";
}

/// <summary>One system for the tests that only look at it: simulator at time scale 0, redis-server or Garnet.</summary>
public sealed class RunningSystem : IAsyncLifetime
{
    internal TestApp Test { get; private set; } = null!;

    public async Task InitializeAsync() => Test = await TestApp.StartAsync(["--time-scale", "0"]);

    public async Task DisposeAsync() => await Test.DisposeAsync();

    /// <summary>Real processes outside the app's own (the sample), given the gateway's URL.</summary>
    public Uri ApiServiceUrl => Test.App.GetEndpoint("apiservice", "http");

    internal static string RepositoryRoot() => RedisServer.RepositoryRoot();
}
