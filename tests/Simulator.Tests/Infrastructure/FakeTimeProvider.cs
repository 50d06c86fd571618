namespace Aspire70B.Simulator.Tests.Infrastructure;

/// <summary>
/// A clock for timing tests. Manual: time moves only on <see cref="Advance"/>. Auto-advancing: every timer fires at
/// once, the clock jumping to its due time, so a whole simulated request runs instantly on virtual time.
/// </summary>
public sealed class FakeTimeProvider(DateTimeOffset start, bool autoAdvance = false) : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<FakeTimer> _timers = [];
    private TimeSpan _elapsed;
    private int _scheduled;
    private (int Index, TimeSpan By)? _stall;

    public static DateTimeOffset Epoch { get; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>1735689600: the <c>created</c> of every response on this clock's epoch.</summary>
    public static long EpochSeconds => Epoch.ToUnixTimeSeconds();

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public TimeSpan Elapsed
    {
        get { lock (_lock) { return _elapsed; } }
    }

    public int PendingTimers
    {
        get { lock (_lock) { return _timers.Count(t => t.DueAt is not null); } }
    }

    public override DateTimeOffset GetUtcNow() => start + Elapsed;

    public override long GetTimestamp() => Elapsed.Ticks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Auto-advancing only: the <paramref name="index"/>-th timer from now (1-based) fires <paramref name="by"/> late,
    /// as if the process had been descheduled.
    /// </summary>
    public void StallTimer(int index, TimeSpan by)
    {
        lock (_lock)
        {
            _stall = (_scheduled + index, by);
        }
    }

    /// <summary>Moves time on, firing every timer that falls due, in order.</summary>
    public void Advance(TimeSpan by)
    {
        TimeSpan target;
        lock (_lock)
        {
            target = _elapsed + by;
        }

        while (true)
        {
            FakeTimer? next;
            lock (_lock)
            {
                next = _timers.Where(t => t.DueAt <= target).MinBy(t => t.DueAt);
                if (next is null)
                {
                    _elapsed = target;
                    return;
                }

                _elapsed = next.DueAt!.Value;
                next.DueAt = null;
            }

            next.Fire();
        }
    }

    private void Schedule(FakeTimer timer, TimeSpan dueTime)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            lock (_lock)
            {
                timer.DueAt = null;
            }

            return;
        }

        if (autoAdvance)
        {
            lock (_lock)
            {
                _scheduled++;
                _elapsed += dueTime;
                if (_stall is { } stall && stall.Index == _scheduled)
                {
                    _elapsed += stall.By;
                }

                timer.DueAt = null;
            }

            ThreadPool.QueueUserWorkItem(_ => timer.Fire());
            return;
        }

        lock (_lock)
        {
            timer.DueAt = _elapsed + dueTime;
        }
    }

    private void Remove(FakeTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimeSpan? DueAt { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Schedule(this, dueTime);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
