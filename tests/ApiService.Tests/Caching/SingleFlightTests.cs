using System.Runtime.CompilerServices;
using Aspire70B.ApiService.Caching;

namespace Aspire70B.ApiService.Tests.Caching;

public sealed class SingleFlightTests
{
    private static async IAsyncEnumerable<int> Produce(TaskCompletionSource gate, Action onStart, int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        onStart();
        for (var i = 0; i < count; i++)
        {
            yield return i;
            if (i == 0)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }
        }
    }

    private static async Task<List<int>> Collect(IAsyncEnumerable<int> items, CancellationToken cancellationToken = default)
    {
        var list = new List<int>();
        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            list.Add(item);
        }

        return list;
    }

    [Fact]
    public async Task ConcurrentIdenticalCallsRunTheProducerOnceAndEveryoneGetsEveryItem()
    {
        var flights = new SingleFlight<int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starts = 0;

        var leader = flights.Join("k", ct => Produce(gate, () => Interlocked.Increment(ref starts), 5, ct), out var first);
        var leaderTask = Collect(leader);
        var followers = Enumerable.Range(0, 9)
            .Select(_ =>
            {
                var items = flights.Join("k", ct => Produce(gate, () => Interlocked.Increment(ref starts), 5, ct), out var isLeader);
                return Tuple.Create(items, isLeader);
            })
            .ToList();
        var followerTasks = followers.Select(f => Collect(f.Item1)).ToList();
        gate.SetResult();

        Assert.True(first);
        Assert.All(followers, f => Assert.False(f.Item2));
        Assert.Equal([0, 1, 2, 3, 4], await leaderTask);
        foreach (var task in followerTasks)
        {
            Assert.Equal([0, 1, 2, 3, 4], await task);
        }

        Assert.Equal(1, starts);
        Assert.Equal(0, flights.InFlight);
    }

    [Fact]
    public async Task AFollowerJoiningMidwayReplaysWhatItMissed()
    {
        var flights = new SingleFlight<int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var leader = flights.Join("k", ct => Produce(gate, () => { }, 3, ct), out _).GetAsyncEnumerator();
        Assert.True(await leader.MoveNextAsync());
        Assert.Equal(0, leader.Current);

        var follower = Collect(flights.Join("k", ct => throw new InvalidOperationException("must not start"), out var isLeader));
        gate.SetResult();

        Assert.False(isLeader);
        Assert.Equal([0, 1, 2], await follower);
        await leader.DisposeAsync();
    }

    [Fact]
    public async Task AFailureReachesEverySubscriber()
    {
        var flights = new SingleFlight<int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async IAsyncEnumerable<int> Failing([EnumeratorCancellation] CancellationToken ct)
        {
            yield return 1;
            await gate.Task.WaitAsync(ct);
            throw new InvalidOperationException("upstream broke");
        }

        var a = Collect(flights.Join("k", Failing, out _));
        var b = Collect(flights.Join("k", Failing, out _));
        gate.SetResult();

        Assert.Equal("upstream broke", (await Assert.ThrowsAsync<InvalidOperationException>(() => a)).Message);
        Assert.Equal("upstream broke", (await Assert.ThrowsAsync<InvalidOperationException>(() => b)).Message);
    }

    [Fact]
    public async Task TheProducerIsCancelledOnlyWhenTheLastSubscriberLeaves()
    {
        var flights = new SingleFlight<int>();

        // Completes when the producer ends, with whether its token was cancelled by then. Observed from a finally,
        // not from a callback registered on the token: cancelling can resume the producer inline (Task.Delay's
        // callback runs first) and unwinding it would dispose such a registration before it ever ran.
        var producerEnded = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        async IAsyncEnumerable<int> Endless([EnumeratorCancellation] CancellationToken ct)
        {
            try
            {
                for (var i = 0; ; i++)
                {
                    yield return i;
                    await Task.Delay(10, ct);
                }
            }
            finally
            {
                producerEnded.TrySetResult(ct.IsCancellationRequested);
            }
        }

        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var a = Collect(flights.Join("k", Endless, out _), first.Token);
        var b = Collect(flights.Join("k", Endless, out _), second.Token);

        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        await Task.Delay(100);
        Assert.False(producerEnded.Task.IsCompleted, "one subscriber leaving must not stop the others' work");

        await second.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        Assert.True(await producerEnded.Task.WaitAsync(TimeSpan.FromSeconds(60)), "the producer ended without being cancelled");
        Assert.Equal(0, flights.InFlight);
    }

    [Fact]
    public async Task AFinishedFlightIsNotJoinedAgain()
    {
        var flights = new SingleFlight<int>();
        var runs = 0;

        async IAsyncEnumerable<int> Once([EnumeratorCancellation] CancellationToken ct)
        {
            Interlocked.Increment(ref runs);
            await Task.Yield();
            yield return 1;
        }

        Assert.Equal([1], await Collect(flights.Join("k", Once, out _)));
        Assert.Equal([1], await Collect(flights.Join("k", Once, out var second)));
        Assert.True(second);
        Assert.Equal(2, runs);
    }
}
