using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Aspire70B.ApiService.Routing;

/// <summary>
/// Chained hashes of a rendered prompt's fixed-size character blocks, the way vLLM identifies a KV-cache block: each
/// block's hash covers the block and, through its parent's hash, everything before it, so equal hashes mean equal
/// prefixes. The chain starts from the request's <c>cache_salt</c>, because vLLM salts its first block with it and two
/// tenants never share cached blocks. Characters stand in for tokens (the gateway does not tokenize on this path), as the
/// gateway-api-inference-extension's prefix plugin and vLLM production-stack's prefix-aware router do.
/// </summary>
internal static class PromptBlockHasher
{
    /// <summary>Writes the hashes of the prompt's whole blocks (a tail shorter than a block is not cached by vLLM either).</summary>
    /// <returns>How many hashes were written: at most <paramref name="hashes"/>' length.</returns>
    public static int Hash(ReadOnlySpan<char> prompt, string? salt, int blockChars, Span<ulong> hashes)
    {
        var seed = salt is null ? 0UL : XxHash3.HashToUInt64(MemoryMarshal.AsBytes(salt.AsSpan()));
        var count = Math.Min(prompt.Length / blockChars, hashes.Length);
        for (var i = 0; i < count; i++)
        {
            seed = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(prompt.Slice(i * blockChars, blockChars)), unchecked((long)seed));
            hashes[i] = seed;
        }

        return count;
    }
}
