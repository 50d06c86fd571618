using System.ComponentModel.DataAnnotations;

namespace Aspire70B.ApiService.Batches;

/// <summary>Limits of the batch routes. Bound from <c>BatchApi</c>.</summary>
internal sealed class BatchApiOptions
{
    public const string Section = "BatchApi";

    /// <summary>Requests one batch may hold.</summary>
    [Range(1, 1_000_000)]
    public int MaxRequests { get; set; } = 10_000;

    /// <summary>Bytes one batch submission may have.</summary>
    [Range(1024, 512 * 1024 * 1024)]
    public int MaxBytes { get; set; } = 64 * 1024 * 1024;
}
