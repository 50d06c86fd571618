using Aspire70B.ApiService.Routing;

namespace Aspire70B.ApiService.Tests.Routing;

/// <summary>The gateway's estimate of which replica holds which prompt blocks.</summary>
public sealed class PrefixAffinityTableTests
{
    [Fact]
    public void TheLongestRunOfLeadingBlocksAndItsHoldersAreFound()
    {
        var table = new PrefixAffinityTable(16);
        table.Remember([1, 2, 3], replica: 0);
        table.Remember([1, 2, 7, 8], replica: 1);

        Assert.Equal((3, 0b01UL), table.LongestPrefix([1, 2, 3, 4], candidates: 0b11));
        Assert.Equal((2, 0b11UL), table.LongestPrefix([1, 2, 9], candidates: 0b11));
        Assert.Equal((4, 0b10UL), table.LongestPrefix([1, 2, 7, 8, 9], candidates: 0b11));
        // Only candidates count: replica 0 (say, full) is left out.
        Assert.Equal((2, 0b10UL), table.LongestPrefix([1, 2, 3], candidates: 0b10));
        Assert.Equal((0, 0UL), table.LongestPrefix([5, 1, 2], candidates: 0b11));
    }

    [Fact]
    public void TheLeastRecentlyUsedBlocksAreForgottenFirstAndTheSizeStaysBounded()
    {
        var table = new PrefixAffinityTable(4);
        table.Remember([1, 2], replica: 0);
        table.Remember([3, 4], replica: 1);
        // Touch 1 and 2 again; then two new blocks push out 3 and 4.
        table.Remember([1, 2], replica: 0);
        table.Remember([5, 6], replica: 0);

        Assert.Equal(4, table.Count);
        Assert.Equal((2, 0b01UL), table.LongestPrefix([1, 2], 0b11));
        Assert.Equal((0, 0UL), table.LongestPrefix([3, 4], 0b11));
        Assert.Equal((2, 0b01UL), table.LongestPrefix([5, 6], 0b11));

        for (ulong i = 100; i < 10_000; i++)
        {
            table.Remember([i], replica: (int)(i % 64));
        }

        Assert.Equal(4, table.Count);
        Assert.Equal((1, 1UL << (9_999 % 64)), table.LongestPrefix([9_999], ulong.MaxValue));
    }

    [Fact]
    public void BlockHashesChainSoEqualHashesMeanEqualPrefixesAndTheSaltSeparatesTenants()
    {
        Span<ulong> a = stackalloc ulong[8];
        Span<ulong> b = stackalloc ulong[8];
        Span<ulong> c = stackalloc ulong[8];
        var n = PromptBlockHasher.Hash("aaaabbbbccccdd", "t", 4, a);
        Assert.Equal(3, n);
        Assert.Equal(3, PromptBlockHasher.Hash("xaaabbbbcccc", "t", 4, b));
        Assert.Equal(3, PromptBlockHasher.Hash("aaaabbbbcccc", "u", 4, c));

        // A different first block changes every later hash; a different salt too.
        for (var i = 0; i < 3; i++)
        {
            Assert.NotEqual(a[i], b[i]);
            Assert.NotEqual(a[i], c[i]);
        }

        Assert.Equal(2, PromptBlockHasher.Hash("aaaabbbbccccdd", "t", 4, b[..2]));
        Assert.Equal(a[..2].ToArray(), b[..2].ToArray());
    }
}
