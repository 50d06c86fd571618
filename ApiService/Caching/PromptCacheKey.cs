using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Aspire70B.ApiService.Caching;

/// <summary>
/// Builds the cache key: SHA-256 over a versioned, length-prefixed canonical form of everything that changes the
/// output. Two requests share a key only if every part is equal, so no two different requests can collide by
/// concatenation. Bump <see cref="Version"/> whenever the form or the meaning of an entry changes.
/// </summary>
/// <remarks>
/// The form, part by part: the name as UTF-8 after its byte count (32-bit little-endian); then <c>0xFF</c> for a
/// missing value, or <c>0x01</c> and the value the same way as the name. It is written into one pooled buffer and
/// hashed once: a hash updated part by part costs a call into the crypto library for each of ~40 pieces.
/// </remarks>
internal sealed class PromptCacheKey : IDisposable
{
    public const string Version = "v1";

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1024);
    private int _length;

    public PromptCacheKey() => Add("aspire70b-prompt-cache", Version);

    public PromptCacheKey Add(string name, string? value) => value is null ? AddMissing(name) : Add(name, value.AsSpan());

    public PromptCacheKey Add(string name, double? value)
    {
        if (value is not { } number)
        {
            return AddMissing(name);
        }

        // "R": the shortest text that reads back as the same double, as before the form was written in one buffer.
        Span<char> text = stackalloc char[32];
        return number.TryFormat(text, out var written, "R", CultureInfo.InvariantCulture)
            ? Add(name, text[..written])
            : Add(name, number.ToString("R", CultureInfo.InvariantCulture));
    }

    public PromptCacheKey Add(string name, long? value)
    {
        if (value is not { } number)
        {
            return AddMissing(name);
        }

        Span<char> text = stackalloc char[20];
        number.TryFormat(text, out var written, provider: CultureInfo.InvariantCulture);
        return Add(name, text[..written]);
    }

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
    public string Finish()
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(_buffer.AsSpan(0, _length), digest);
        return Convert.ToHexStringLower(digest);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private PromptCacheKey Add(string name, ReadOnlySpan<char> value)
    {
        AddText(name);
        AddByte(0x01);
        AddText(value);
        return this;
    }

    private PromptCacheKey AddMissing(string name)
    {
        AddText(name);
        AddByte(0xFF);
        return this;
    }

    private void AddByte(byte value)
    {
        Reserve(1)[0] = value;
        _length++;
    }

    private void AddText(ReadOnlySpan<char> text)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        var target = Reserve(sizeof(int) + count);
        BinaryPrimitives.WriteInt32LittleEndian(target, count);
        Encoding.UTF8.GetBytes(text, target[sizeof(int)..]);
        _length += sizeof(int) + count;
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsSpan(_length, count);
    }
}
