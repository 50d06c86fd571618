using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Aspire70B.ApiService.Caching;

/// <summary>
/// Collapses concurrent identical work into one run. The first caller of a key starts the producer; everyone who
/// joins while it runs receives every item produced so far and then each new one as it arrives. The producer runs
/// on its own cancellation, cancelled only when the last subscriber leaves, so one impatient client cannot take
/// the answer away from the others. A flight that finished without failing stays joinable for
/// <see cref="Linger"/> by callers that ask for it: a caller whose cache lookup missed just before the flight stored
/// its answer, and that arrives just after the flight ended, gets that answer instead of starting the work again.
/// Thread-safe.
/// </summary>
internal sealed class SingleFlight<T>(TimeProvider time, TimeSpan linger)
{
    private readonly ConcurrentDictionary<string, Flight> _flights = new(StringComparer.Ordinal);

    /// <summary>No linger: a finished flight is gone at once.</summary>
    public SingleFlight()
        : this(TimeProvider.System, TimeSpan.Zero)
    {
    }

    /// <summary>How long a flight that finished without failing can still be joined.</summary>
    public TimeSpan Linger => linger;

    private TimeProvider Time => time;

    /// <summary>Flights in progress, not counting finished ones that linger (for tests and metrics).</summary>
    public int InFlight => _flights.Values.Count(f => !f.Finished);

    /// <summary>Joins the flight for <paramref name="key"/>, starting it with <paramref name="produce"/> if none runs.</summary>
    /// <param name="key">What identifies identical work.</param>
    /// <param name="produce">Produces the items; called at most once per flight.</param>
    /// <param name="isLeader">True for the caller that started the flight.</param>
    /// <param name="joinFinished">Whether a flight that has finished but still lingers may answer this caller.</param>
    public IAsyncEnumerable<T> Join(string key, Func<CancellationToken, IAsyncEnumerable<T>> produce, out bool isLeader, bool joinFinished = false)
    {
        while (true)
        {
            var candidate = new Flight(this, key);
            var flight = _flights.GetOrAdd(key, candidate);
            var reader = flight.TrySubscribe(joinFinished);
            if (reader is null)
            {
                // Finished (or lingering, for a caller that may not join it): take it out and start afresh.
                _flights.TryRemove(new KeyValuePair<string, Flight>(key, flight));
                continue;
            }

            isLeader = ReferenceEquals(flight, candidate);
            if (isLeader)
            {
                flight.Start(produce);
            }

            return flight.Read(reader);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The token source has no timer or wait handle to release, and subscribers may still cancel it after the producer ends.")]
    private sealed class Flight(SingleFlight<T> owner, string key)
    {
        private readonly Lock _gate = new();
        private readonly List<T> _items = [];
        private readonly List<Channel<T>> _subscribers = [];
        private readonly CancellationTokenSource _cancellation = new();
        private bool _finished;
        private long _finishedAt;
        private bool _failed;

        public bool Finished
        {
            get
            {
                lock (_gate)
                {
                    return _finished;
                }
            }
        }

        public Channel<T>? TrySubscribe(bool joinFinished)
        {
            lock (_gate)
            {
                // Only a successful flight lingers; whether it still does is the clock's answer (its removal from the
                // map only tidies up, and may come a moment later).
                if ((_finished && (_failed || !joinFinished || owner.Time.GetElapsedTime(_finishedAt) >= owner.Linger)) || _cancellation.IsCancellationRequested)
                {
                    return null;
                }

                var channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
                foreach (var item in _items)
                {
                    channel.Writer.TryWrite(item);
                }

                if (_finished)
                {
                    channel.Writer.TryComplete();
                }
                else
                {
                    _subscribers.Add(channel);
                }

                return channel;
            }
        }

        public void Start(Func<CancellationToken, IAsyncEnumerable<T>> produce) => _ = PumpAsync(produce);

        public async IAsyncEnumerable<T> Read(Channel<T> channel, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield return item;
                }
            }
            finally
            {
                Leave(channel);
            }
        }

        private void Leave(Channel<T> channel)
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
                if (_subscribers.Count > 0 || _finished)
                {
                    return;
                }
            }

            // Nobody is listening any more: stop the work (this aborts the backend request).
            _cancellation.Cancel();
            owner._flights.TryRemove(new KeyValuePair<string, Flight>(key, this));
        }

        private async Task PumpAsync(Func<CancellationToken, IAsyncEnumerable<T>> produce)
        {
            Exception? failure = null;
            try
            {
                await foreach (var item in produce(_cancellation.Token).WithCancellation(_cancellation.Token).ConfigureAwait(false))
                {
                    lock (_gate)
                    {
                        _items.Add(item);
                        foreach (var subscriber in _subscribers)
                        {
                            subscriber.Writer.TryWrite(item);
                        }
                    }
                }
            }
            catch (Exception e)
            {
                // Handed to every subscriber below: each reports it in its own response.
                failure = e;
            }
            finally
            {
                lock (_gate)
                {
                    _finished = true;
                    _finishedAt = owner.Time.GetTimestamp();
                    _failed = failure is not null;
                    foreach (var subscriber in _subscribers)
                    {
                        subscriber.Writer.TryComplete(failure);
                    }

                    _subscribers.Clear();
                }

                if (failure is null && owner.Linger > TimeSpan.Zero)
                {
                    _ = RemoveAfterLingerAsync();
                }
                else
                {
                    owner._flights.TryRemove(new KeyValuePair<string, Flight>(key, this));
                }
            }
        }

        private async Task RemoveAfterLingerAsync()
        {
            await Task.Delay(owner.Linger, owner.Time, CancellationToken.None).ConfigureAwait(false);
            owner._flights.TryRemove(new KeyValuePair<string, Flight>(key, this));
        }
    }
}
