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
    public void TheKeyIsTheDigestOfTheDocumentedForm()
    {
        // Entries outlive a deployment: the same request must keep its key across versions of this class. Expected
        // value: SHA-256 over the form in PromptCacheKey's remarks, computed outside .NET (Python's hashlib).
        using var key = new PromptCacheKey();
        key.Add("tenant", "*")
            .Add("prompt", "<|begin_of_text|>Héllo 😀")
            .Add("max_tokens", 16L)
            .Add("temperature", 0d)
            .Add("top_p", 0.95)
            .Add("top_k", (long?)null)
            .Add("min_p", 0.00001)
            .Add("stop", ["END", ""]);

        Assert.Equal("ea44c24cc5f1dd74906bf53911b72e36f60ee11e20aa7778e0275acb4d4ddecc", key.Finish());
    }

    [Fact]
    public void ALongPromptGrowsTheBufferWithoutChangingTheDigest()
    {
        var prompt = string.Concat(Enumerable.Repeat("ünïcode ", 2_000));

        Assert.Equal(Key(("prompt", prompt)), Key(("prompt", prompt)));
        Assert.NotEqual(Key(("prompt", prompt)), Key(("prompt", prompt + ".")));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Form(("aspire70b-prompt-cache", "v1"), ("prompt", prompt)))), Key(("prompt", prompt)));
    }

    // The documented form, written out independently of the class.
    private static byte[] Form(params (string Name, string? Value)[] parts)
    {
        var bytes = new List<byte>();
        foreach (var (name, value) in parts)
        {
            Text(name);
            if (value is null)
            {
                bytes.Add(0xFF);
            }
            else
            {
                bytes.Add(0x01);
                Text(value);
            }
        }

        return [.. bytes];

        void Text(string text)
        {
            var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
            var length = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
            bytes.AddRange(length);
            bytes.AddRange(utf8);
        }
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
