namespace Aspire70B.Simulator.Engine;

/// <summary>
/// vLLM's automatic prefix caching, reduced to bookkeeping: full blocks of prompt tokens are remembered by a hash
/// chained over the prompt (and the request's <c>cache_salt</c>), least recently used forgotten first, bounded by the
/// KV cache's blocks. A hit shortens the prefill. Thread-safe.
/// </summary>
internal sealed class PrefixCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, LinkedListNode<ulong>> _blocks = [];
    private readonly LinkedList<ulong> _recency = new();
    private readonly long _capacity;
    private readonly int _blockSize;

    public PrefixCache(SimulatedDeployment deployment)
        : this(deployment.KvCacheBlocks, deployment.BlockSize)
    {
    }

    public PrefixCache(long capacityBlocks, int blockSize)
    {
        _capacity = capacityBlocks;
        _blockSize = blockSize;
    }

    /// <summary>Prompt tokens already cached (a multiple of the block size, below the prompt length), then caches the prompt's full blocks.</summary>
    public int LookupAndInsert(IReadOnlyList<int> promptTokens, string? salt)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        var hashes = new List<ulong>(promptTokens.Count / _blockSize);
        var hash = StableHash.Start(salt);
        for (var end = _blockSize; end <= promptTokens.Count; end += _blockSize)
        {
            for (var i = end - _blockSize; i < end; i++)
            {
                hash = StableHash.Add(hash, promptTokens[i]);
            }

            hashes.Add(hash);
        }

        lock (_lock)
        {
            var hits = 0;
            while (hits < hashes.Count && _blocks.ContainsKey(hashes[hits]))
            {
                hits++;
            }

            foreach (var h in hashes)
            {
                Touch(h);
            }

            // At least one prompt token is always computed, as in vLLM.
            return Math.Min(hits * _blockSize, Math.Max(0, promptTokens.Count - 1) / _blockSize * _blockSize);
        }
    }

    private void Touch(ulong hash)
    {
        if (_blocks.TryGetValue(hash, out var node))
        {
            _recency.Remove(node);
            _recency.AddFirst(node);
            return;
        }

        _blocks[hash] = _recency.AddFirst(hash);
        while (_blocks.Count > _capacity && _recency.Last is { } oldest)
        {
            _recency.RemoveLast();
            _blocks.Remove(oldest.Value);
        }
    }
}

/// <summary>FNV-1a over 32-bit values: stable across processes and runs, unlike <see cref="HashCode"/>.</summary>
internal static class StableHash
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Start(string? salt)
    {
        var hash = Offset;
        foreach (var c in salt ?? string.Empty)
        {
            hash = Add(hash, c);
        }

        return hash;
    }

    public static ulong Add(ulong hash, long value)
    {
        for (var shift = 0; shift < 64; shift += 8)
        {
            hash = (hash ^ (byte)(value >> shift)) * Prime;
        }

        return hash;
    }
}
