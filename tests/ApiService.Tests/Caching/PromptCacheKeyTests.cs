using Aspire70B.ApiService.Backend;
using Aspire70B.ApiService.Caching;

namespace Aspire70B.ApiService.Tests.Caching;

public sealed class PromptCacheKeyTests
{
    private static string Key(params (string Name, string? Value)[] parts)
    {
        using var key = new PromptCacheKey();
        foreach (var (name, value) in parts)
        {
            key.Add(name, value);
        }

        return key.Finish();
    }

    [Fact]
    public void TheKeyIsAStableSha256Digest()
    {
        var key = Key(("prompt", "Hello"), ("temperature", "0"));

        Assert.Equal(64, key.Length);
        Assert.Equal(key, Key(("prompt", "Hello"), ("temperature", "0")));
        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Fact]
    public void ConcatenationCannotCollide()
    {
        Assert.NotEqual(Key(("a", "xy"), ("b", "z")), Key(("a", "x"), ("b", "yz")));
        Assert.NotEqual(Key(("a", null)), Key(("a", "")));
        Assert.NotEqual(Key(("prompt", "Hi")), Key(("prompt", "Hi ")));
    }

    [Fact]
    public void EveryPartChangesTheKey()
    {
        var baseline = Key(("tenant", "k1"), ("prompt", "Hello"), ("seed", "1"));

        Assert.NotEqual(baseline, Key(("tenant", "k2"), ("prompt", "Hello"), ("seed", "1")));
        Assert.NotEqual(baseline, Key(("tenant", "k1"), ("prompt", "Hello!"), ("seed", "1")));
        Assert.NotEqual(baseline, Key(("tenant", "k1"), ("prompt", "Hello"), ("seed", "2")));
    }

    [Fact]
    public void ACachedCompletionRoundTripsAndABadEntryIsAMiss()
    {
        var entry = new CachedCompletion(
            [new CachedChoice(0, "Bonjour \"ami\" 😀", "stop", null), new CachedChoice(1, "x", "stop", "</s>")],
            new CompletionUsage(12, 5));

        var back = CachedCompletion.TryDeserialize(entry.Serialize());

        Assert.NotNull(back);
        Assert.Equal(entry.Usage, back.Usage);
        Assert.Equal(entry.Choices, back.Choices);
        Assert.Null(CachedCompletion.TryDeserialize("not json"u8.ToArray()));
        Assert.Null(CachedCompletion.TryDeserialize("""{"v":99,"choices":[]}"""u8.ToArray()));
        Assert.Null(CachedCompletion.TryDeserialize("""{"v":1}"""u8.ToArray()));
    }
}
