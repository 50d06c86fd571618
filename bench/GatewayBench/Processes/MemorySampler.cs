namespace Aspire70B.GatewayBench.Processes;

/// <summary>
/// Samples a process tree's resident memory at a fixed period until disposed: the peak of the sampled sum, and the
/// series for a growth check. Peak RSS reported is the larger of the sampled sum and the sum of each member's VmHWM.
/// </summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly int _root;
    private readonly PeriodicTimer _timer;
    private readonly Task _loop;
    private readonly List<(TimeSpan At, long Rss)> _series = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _peakSampled;

    public MemorySampler(int root, TimeSpan period)
    {
        _root = root;
        _timer = new PeriodicTimer(period);
        _loop = Task.Run(LoopAsync);
    }

    public long PeakBytes => Math.Max(Interlocked.Read(ref _peakSampled), ProcessTree.Memory(_root).PeakSum);

    public IReadOnlyList<(TimeSpan At, long Rss)> Series
    {
        get
        {
            lock (_series)
            {
                return [.. _series];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _timer.Dispose();
        await _loop;
    }

    private async Task LoopAsync()
    {
        Sample();
        while (await _timer.WaitForNextTickAsync())
        {
            Sample();
        }
    }

    private void Sample()
    {
        var rss = ProcessTree.Memory(_root).Rss;
        lock (_series)
        {
            _series.Add((_clock.Elapsed, rss));
        }

        if (rss > Interlocked.Read(ref _peakSampled))
        {
            Interlocked.Exchange(ref _peakSampled, rss);
        }
    }
}
