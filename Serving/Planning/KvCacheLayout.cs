using Aspire70B.Serving.Catalogue;

namespace Aspire70B.Serving.Planning;

/// <summary>
/// The paged KV cache on one GPU, as vLLM's V1 engine lays it out: per layer, pages of <c>block_size</c> tokens
/// holding keys and values for the GPU's share of the KV heads.
/// </summary>
/// <param name="NumLayers">Layers, each with its own pages.</param>
/// <param name="KvHeadsPerGpu">KV heads on one GPU (replicated when there are fewer heads than GPUs).</param>
/// <param name="HeadDim">Width of a head.</param>
/// <param name="DtypeBytes">Bytes per element: 2, or 1 for FP8.</param>
/// <param name="BlockSize">Tokens per block.</param>
public sealed record KvCacheLayout(int NumLayers, int KvHeadsPerGpu, int HeadDim, int DtypeBytes, int BlockSize)
{
    /// <summary>The layout for a model on <paramref name="tensorParallelSize"/> GPUs.</summary>
    public static KvCacheLayout For(ModelArchitecture model, int tensorParallelSize, KvCacheDtype dtype, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        var kvHeads = Math.Max(1, model.NumKeyValueHeads / tensorParallelSize);
        return new KvCacheLayout(model.NumLayers, kvHeads, model.HeadDim, dtype == KvCacheDtype.Fp8 ? 1 : 2, blockSize);
    }

    /// <summary>Bytes of one page: one block of one layer, keys and values.</summary>
    public long PageBytes => 2L * BlockSize * KvHeadsPerGpu * HeadDim * DtypeBytes;

    /// <summary>KV bytes per token on one GPU, over all layers.</summary>
    public long BytesPerToken => 2L * NumLayers * KvHeadsPerGpu * HeadDim * DtypeBytes;

    /// <summary>Blocks that fit in <paramref name="memoryBytes"/>: vLLM's <c>available // page_size // num_layers</c>.</summary>
    public long BlocksFor(double memoryBytes) =>
        memoryBytes <= 0 ? 0 : (long)Math.Floor(Math.Floor(memoryBytes / PageBytes) / NumLayers);

    /// <summary>Blocks one sequence of <paramref name="tokens"/> tokens needs.</summary>
    public long BlocksForSequence(int tokens) => (tokens + BlockSize - 1) / BlockSize;
}
