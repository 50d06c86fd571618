namespace Aspire70B.ApiService.Routing;

/// <summary>
/// Which replicas were sent which prompt blocks: block hash → set of replicas (a bit each), least recently used forgotten
/// first, at most a fixed number of blocks, in arrays allocated once. The gateway's estimate of each replica's prefix
/// cache, as the gateway-api-inference-extension's prefix plugin (llm-d's prefix scorer) keeps one from the requests it
/// routed rather than asking the servers; like vLLM production-stack's prefix-aware router it does not see evictions,
/// which the bound and the fallback to the least loaded replica make harmless. Thread-safe; the lock is never held
/// across an await.
/// </summary>
internal sealed class PrefixAffinityTable
{
    private const int None = -1;
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, int> _slots;
    private readonly ulong[] _keys;
    private readonly ulong[] _replicas;
    private readonly int[] _newer;
    private readonly int[] _older;
    private int _newest = None;
    private int _oldest = None;
    private int _count;

    public PrefixAffinityTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new Dictionary<ulong, int>(capacity);
        _keys = new ulong[capacity];
        _replicas = new ulong[capacity];
        _newer = new int[capacity];
        _older = new int[capacity];
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>
    /// The longest run of leading blocks that some replica of <paramref name="candidates"/> was sent, and the replicas that
    /// were sent all of it.
    /// </summary>
    public (int Blocks, ulong Replicas) LongestPrefix(ReadOnlySpan<ulong> hashes, ulong candidates)
    {
        var matched = 0;
        var holders = candidates;
        lock (_gate)
        {
            foreach (var hash in hashes)
            {
                if (!_slots.TryGetValue(hash, out var slot) || (_replicas[slot] & holders) == 0)
                {
                    break;
                }

                holders &= _replicas[slot];
                matched++;
            }
        }

        return (matched, matched == 0 ? 0 : holders);
    }

    /// <summary>Records that <paramref name="replica"/> was sent these blocks (they become the most recently used).</summary>
    public void Remember(ReadOnlySpan<ulong> hashes, int replica)
    {
        var bit = 1UL << replica;
        lock (_gate)
        {
            // Newest last, so a prompt's first block (shared by the most prompts) is the last of them to be forgotten.
            for (var i = hashes.Length - 1; i >= 0; i--)
            {
                if (_slots.TryGetValue(hashes[i], out var slot))
                {
                    _replicas[slot] |= bit;
                    Unlink(slot);
                }
                else
                {
                    slot = _count < _keys.Length ? _count++ : Evict();
                    _keys[slot] = hashes[i];
                    _replicas[slot] = bit;
                    _slots[hashes[i]] = slot;
                }

                Link(slot);
            }
        }
    }

    private int Evict()
    {
        var slot = _oldest;
        Unlink(slot);
        _slots.Remove(_keys[slot]);
        return slot;
    }

    private void Link(int slot)
    {
        _older[slot] = _newest;
        _newer[slot] = None;
        if (_newest != None)
        {
            _newer[_newest] = slot;
        }

        _newest = slot;
        if (_oldest == None)
        {
            _oldest = slot;
        }
    }

    private void Unlink(int slot)
    {
        var newer = _newer[slot];
        var older = _older[slot];
        if (newer != None)
        {
            _older[newer] = older;
        }
        else
        {
            _newest = older;
        }

        if (older != None)
        {
            _newer[older] = newer;
        }
        else
        {
            _oldest = newer;
        }
    }
}
