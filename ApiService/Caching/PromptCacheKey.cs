using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Aspire70B.ApiService.Caching;

/// <summary>
/// Builds the cache key: SHA-256 over a versioned, length-prefixed canonical form of everything that changes the
/// output. Two requests share a key only if every part is equal, so no two different requests can collide by
/// concatenation. Bump <see cref="Version"/> whenever the form or the meaning of an entry changes.
/// </summary>
internal sealed class PromptCacheKey : IDisposable
{
    public const string Version = "v1";

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public PromptCacheKey() => Add("aspire70b-prompt-cache", Version);

    public PromptCacheKey Add(string name, string? value)
    {
        AddBytes(Encoding.UTF8.GetBytes(name));
        if (value is null)
        {
            Span<byte> marker = [0xFF];
            _hash.AppendData(marker);
        }
        else
        {
            Span<byte> marker = [0x01];
            _hash.AppendData(marker);
            AddBytes(Encoding.UTF8.GetBytes(value));
        }

        return this;
    }

    public PromptCacheKey Add(string name, double? value) =>
        Add(name, value?.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

    public PromptCacheKey Add(string name, long? value) =>
        Add(name, value?.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public PromptCacheKey Add(string name, IReadOnlyList<string> values)
    {
        Add(name, values.Count);
        foreach (var value in values)
        {
            Add(name, value);
        }

        return this;
    }

    /// <summary>The key's hex digest.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();

    private void AddBytes(ReadOnlySpan<byte> bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        _hash.AppendData(length);
        _hash.AppendData(bytes);
    }
}
