using System.Globalization;

namespace Aspire70B.Serving.Catalogue;

/// <summary>A CUDA compute capability such as 8.0 (A100) or 9.0 (H100).</summary>
/// <param name="Major">Major version.</param>
/// <param name="Minor">Minor version.</param>
public readonly record struct ComputeCapability(int Major, int Minor) : IComparable<ComputeCapability>
{
    /// <inheritdoc />
    public int CompareTo(ComputeCapability other) =>
        Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    /// <summary>Whether this capability is at least <paramref name="other"/>.</summary>
    public bool AtLeast(ComputeCapability other) => CompareTo(other) >= 0;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");

    /// <summary>Orders capabilities.</summary>
    public static bool operator <(ComputeCapability left, ComputeCapability right) => left.CompareTo(right) < 0;

    /// <summary>Orders capabilities.</summary>
    public static bool operator >(ComputeCapability left, ComputeCapability right) => left.CompareTo(right) > 0;

    /// <summary>Orders capabilities.</summary>
    public static bool operator <=(ComputeCapability left, ComputeCapability right) => left.CompareTo(right) <= 0;

    /// <summary>Orders capabilities.</summary>
    public static bool operator >=(ComputeCapability left, ComputeCapability right) => left.CompareTo(right) >= 0;
}

/// <summary>
/// A GPU as the planner sees it. Immutable and thread-safe.
/// </summary>
/// <param name="Id">Catalogue id, e.g. <c>A100-80GB</c>.</param>
/// <param name="DeviceName">The name CUDA reports; vLLM picks scheduler defaults from it.</param>
/// <param name="TotalMemoryGiB">Memory as <c>torch.cuda.mem_get_info</c> reports it (GiB = 2^30 bytes), which is less than the marketing figure.</param>
/// <param name="MemoryBandwidthTBps">Peak memory bandwidth in TB/s (10^12 bytes per second), from the vendor's specification.</param>
/// <param name="ComputeCapability">CUDA compute capability.</param>
/// <param name="ModalGpuType">The GPU string Modal accepts for this card, when Modal offers it.</param>
public sealed record GpuSpec(
    string Id,
    string DeviceName,
    double TotalMemoryGiB,
    double MemoryBandwidthTBps,
    ComputeCapability ComputeCapability,
    string? ModalGpuType)
{
    /// <summary>Total memory in bytes.</summary>
    public double TotalMemoryBytes => TotalMemoryGiB * Units.GiB;

    /// <summary>
    /// A GPU known only by its memory (and optionally bandwidth), for "what if" questions. It is assumed to be a
    /// current data-centre part (compute capability 9.0) that is not an A100.
    /// </summary>
    /// <param name="totalMemoryGiB">Usable memory in GiB.</param>
    /// <param name="memoryBandwidthTBps">Bandwidth in TB/s; without it no decode-speed figures are given.</param>
    public static GpuSpec Custom(double totalMemoryGiB, double? memoryBandwidthTBps = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalMemoryGiB);
        var id = string.Create(CultureInfo.InvariantCulture, $"custom-{totalMemoryGiB:0.##}GiB");
        return new GpuSpec(id, "custom", totalMemoryGiB, memoryBandwidthTBps ?? 0, new ComputeCapability(9, 0), null);
    }
}
