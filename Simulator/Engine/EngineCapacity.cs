namespace Aspire70B.Simulator.Engine;

/// <summary>
/// The scheduler's limits: at most <c>max_num_seqs</c> sequences run, and their KV blocks fit the cache. A request
/// reserves its sequences and the blocks for prompt + max_tokens up front (so it is never preempted); requests that
/// do not fit wait in FIFO order. Thread-safe.
/// </summary>
internal sealed class EngineCapacity
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private int _runningSequences;
    private int _runningRequests;
    private long _usedBlocks;

    public EngineCapacity(SimulatedDeployment deployment)
        : this(deployment.MaxNumSeqs, deployment.KvCacheBlocks, deployment.BlockSize)
    {
    }

    public EngineCapacity(int maxSequences, long totalBlocks, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        MaxSequences = maxSequences;
        TotalBlocks = totalBlocks;
        BlockSize = blockSize;
    }

    public int MaxSequences { get; }

    public long TotalBlocks { get; }

    public int BlockSize { get; }

    public int RunningRequests
    {
        get { lock (_lock) { return _runningRequests; } }
    }

    public int WaitingRequests
    {
        get { lock (_lock) { return _waiting.Count; } }
    }

    /// <summary>The share of KV blocks reserved, 0–1.</summary>
    public double KvCacheUsage
    {
        get { lock (_lock) { return (double)_usedBlocks / TotalBlocks; } }
    }

    /// <summary>The blocks <paramref name="sequences"/> sequences of <paramref name="promptTokens"/> + <paramref name="maxTokens"/> need.</summary>
    public long BlocksFor(int sequences, int promptTokens, int maxTokens) =>
        sequences * ((promptTokens + (long)maxTokens + BlockSize - 1) / BlockSize);

    /// <summary>Waits (FIFO) until the reservation fits, then holds it until the lease is disposed.</summary>
    /// <exception cref="OperationCanceledException">The request was cancelled while waiting; nothing is held.</exception>
    public ValueTask<CapacityLease> AcquireAsync(int sequences, long blocks, CancellationToken cancellationToken)
    {
        // A reservation larger than the whole engine runs alone rather than never.
        sequences = Math.Clamp(sequences, 1, MaxSequences);
        blocks = Math.Clamp(blocks, 0, TotalBlocks);
        Waiter waiter;
        lock (_lock)
        {
            if (_waiting.Count == 0 && Fits(sequences, blocks))
            {
                return ValueTask.FromResult(Grant(sequences, blocks));
            }

            waiter = new Waiter(sequences, blocks);
            waiter.Node = _waiting.AddLast(waiter);
        }

        return new ValueTask<CapacityLease>(WaitAsync(waiter, cancellationToken));
    }

    private async Task<CapacityLease> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (waiter.Node?.List is not null)
                {
                    _waiting.Remove(waiter.Node);
                    waiter.Completion.TrySetCanceled(cancellationToken);
                }
            }
        });
        return await waiter.Completion.Task.ConfigureAwait(false);
    }

    private bool Fits(int sequences, long blocks) =>
        _runningSequences + sequences <= MaxSequences && _usedBlocks + blocks <= TotalBlocks;

    private CapacityLease Grant(int sequences, long blocks)
    {
        _runningSequences += sequences;
        _runningRequests++;
        _usedBlocks += blocks;
        return new CapacityLease(this, sequences, blocks);
    }

    internal void Release(int sequences, long blocks)
    {
        lock (_lock)
        {
            _runningSequences -= sequences;
            _runningRequests--;
            _usedBlocks -= blocks;
            while (_waiting.First is { } head && Fits(head.Value.Sequences, head.Value.Blocks))
            {
                _waiting.RemoveFirst();
                head.Value.Completion.TrySetResult(Grant(head.Value.Sequences, head.Value.Blocks));
            }
        }
    }

    private sealed class Waiter(int sequences, long blocks)
    {
        public int Sequences { get; } = sequences;

        public long Blocks { get; } = blocks;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource<CapacityLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A reservation held by a running request; disposing it frees the capacity at once (once).</summary>
internal sealed class CapacityLease(EngineCapacity owner, int sequences, long blocks) : IDisposable
{
    private int _released;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            owner.Release(sequences, blocks);
        }
    }
}
