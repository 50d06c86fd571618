using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Aspire70B.ApiService.Caching;

/// <summary>
/// Collapses concurrent identical work into one run. The first caller of a key starts the producer; everyone who
/// joins while it runs receives every item produced so far and then each new one as it arrives. The producer runs
/// on its own cancellation, cancelled only when the last subscriber leaves, so one impatient client cannot take
/// the answer away from the others. Thread-safe.
/// </summary>
internal sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Flight> _flights = new(StringComparer.Ordinal);

    /// <summary>Flights in progress (for tests and metrics).</summary>
    public int InFlight => _flights.Count;

    /// <summary>Joins the flight for <paramref name="key"/>, starting it with <paramref name="produce"/> if none runs.</summary>
    /// <param name="key">What identifies identical work.</param>
    /// <param name="produce">Produces the items; called at most once per flight.</param>
    /// <param name="isLeader">True for the caller that started the flight.</param>
    public IAsyncEnumerable<T> Join(string key, Func<CancellationToken, IAsyncEnumerable<T>> produce, out bool isLeader)
    {
        while (true)
        {
            var candidate = new Flight(this, key);
            var flight = _flights.GetOrAdd(key, candidate);
            var reader = flight.TrySubscribe();
            if (reader is null)
            {
                // Finished between lookup and subscription; it removes itself, so try again.
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

        public Channel<T>? TrySubscribe()
        {
            lock (_gate)
            {
                if (_finished || _cancellation.IsCancellationRequested)
                {
                    return null;
                }

                var channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
                foreach (var item in _items)
                {
                    channel.Writer.TryWrite(item);
                }

                _subscribers.Add(channel);
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
                    foreach (var subscriber in _subscribers)
                    {
                        subscriber.Writer.TryComplete(failure);
                    }
                }

                owner._flights.TryRemove(new KeyValuePair<string, Flight>(key, this));
            }
        }
    }
}
