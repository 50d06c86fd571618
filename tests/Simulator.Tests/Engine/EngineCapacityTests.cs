using Aspire70B.Simulator.Engine;

namespace Aspire70B.Simulator.Tests.Engine;

public sealed class EngineCapacityTests
{
    [Fact]
    public async Task RequestsBeyondTheSequenceLimitWaitInArrivalOrder()
    {
        var capacity = new EngineCapacity(maxSequences: 2, totalBlocks: 100, blockSize: 16);
        var first = await capacity.AcquireAsync(1, 1, CancellationToken.None);
        var second = await capacity.AcquireAsync(1, 1, CancellationToken.None);
        var third = capacity.AcquireAsync(1, 1, CancellationToken.None).AsTask();
        var fourth = capacity.AcquireAsync(1, 1, CancellationToken.None).AsTask();

        Assert.False(third.IsCompleted);
        Assert.Equal((2, 2), (capacity.RunningRequests, capacity.WaitingRequests));

        first.Dispose();
        using var thirdLease = await third;
        Assert.False(fourth.IsCompleted);
        second.Dispose();
        using var fourthLease = await fourth;
        Assert.Equal((2, 0), (capacity.RunningRequests, capacity.WaitingRequests));
    }

    [Fact]
    public async Task KvBlocksBoundConcurrencyAndABigRequestAtTheHeadIsNotOvertaken()
    {
        var capacity = new EngineCapacity(maxSequences: 100, totalBlocks: 10, blockSize: 16);
        var running = await capacity.AcquireAsync(1, 6, CancellationToken.None);
        var big = capacity.AcquireAsync(1, 8, CancellationToken.None).AsTask();
        var small = capacity.AcquireAsync(1, 1, CancellationToken.None).AsTask();

        Assert.Equal(0.6, capacity.KvCacheUsage);
        Assert.False(big.IsCompleted);
        Assert.False(small.IsCompleted);

        running.Dispose();
        using var bigLease = await big;
        using var smallLease = await small;
        Assert.Equal(0.9, capacity.KvCacheUsage, 10);
    }

    [Fact]
    public async Task AWaiterThatIsCancelledLeavesTheQueueAndHoldsNothing()
    {
        var capacity = new EngineCapacity(maxSequences: 1, totalBlocks: 10, blockSize: 16);
        var running = await capacity.AcquireAsync(1, 1, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = capacity.AcquireAsync(1, 1, cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, capacity.WaitingRequests);
        running.Dispose();
        Assert.Equal((0, 0.0), (capacity.RunningRequests, capacity.KvCacheUsage));
    }

    [Fact]
    public async Task AReservationLargerThanTheEngineRunsAloneRatherThanNever()
    {
        var capacity = new EngineCapacity(maxSequences: 4, totalBlocks: 10, blockSize: 16);

        using var lease = await capacity.AcquireAsync(8, 50, CancellationToken.None);

        Assert.Equal(1.0, capacity.KvCacheUsage);
    }

    [Fact]
    public void BlocksCoverPromptAndMaxTokensPerSequence() =>
        Assert.Equal(2 * 3, new EngineCapacity(4, 10, 16).BlocksFor(2, promptTokens: 20, maxTokens: 16));
}
