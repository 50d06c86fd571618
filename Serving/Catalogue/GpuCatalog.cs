namespace Aspire70B.Serving.Catalogue;

/// <summary>
/// The GPUs Aspire70B knows by name. Memory is what CUDA reports (taken from vLLM logs and PyTorch out-of-memory
/// messages published for each card, H200 measured), bandwidth from the vendor's specification. The Modal type is the
/// name Modal's GPU guide lists for the card (see <see cref="ModalGpu"/>), null where Modal does not offer it.
/// </summary>
public static class GpuCatalog
{
    private static readonly ComputeCapability Ampere = new(8, 0);
    private static readonly ComputeCapability AmpereGa10x = new(8, 6);
    private static readonly ComputeCapability Ada = new(8, 9);
    private static readonly ComputeCapability Hopper = new(9, 0);
    private static readonly ComputeCapability Blackwell = new(10, 0);
    private static readonly ComputeCapability BlackwellWorkstation = new(12, 0);

    /// <summary>Every GPU in the catalogue.</summary>
    public static IReadOnlyList<GpuSpec> All { get; } =
    [
        new("A100-40GB", "NVIDIA A100-SXM4-40GB", 39.39, 1.555, Ampere, "A100-40GB"),
        new("A100-80GB", "NVIDIA A100-SXM4-80GB", 79.15, 2.039, Ampere, "A100-80GB"),
        new("A100-80GB-PCIe", "NVIDIA A100 80GB PCIe", 79.15, 1.935, Ampere, null),
        new("H100-80GB", "NVIDIA H100 80GB HBM3", 79.18, 3.35, Hopper, "H100"),
        new("H100-PCIe", "NVIDIA H100 PCIe", 79.18, 2.0, Hopper, null),
        new("H100-NVL-94GB", "NVIDIA H100 NVL", 93.10, 3.9, Hopper, null),
        new("H200-141GB", "NVIDIA H200", 139.80, 4.8, Hopper, "H200"),
        new("L40S-48GB", "NVIDIA L40S", 44.39, 0.864, Ada, "L40S"),
        new("L4-24GB", "NVIDIA L4", 22.03, 0.3, Ada, "L4"),
        new("A10G-24GB", "NVIDIA A10G", 22.19, 0.6, AmpereGa10x, "A10G"),
        new("RTX-3090-24GB", "NVIDIA GeForce RTX 3090", 23.58, 0.936, AmpereGa10x, null),
        new("RTX-PRO-6000-96GB", "NVIDIA RTX PRO 6000 Blackwell Server Edition", 94.97, 1.792, BlackwellWorkstation, "RTX-PRO-6000"),
        new("B200-192GB", "NVIDIA B200", 178.35, 8.0, Blackwell, "B200"),
    ];

    // Short names that are unambiguous. "A100" is not one: it comes with 40 or 80 GB.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["H100"] = "H100-80GB",
        ["H100-SXM"] = "H100-80GB",
        ["H100-NVL"] = "H100-NVL-94GB",
        ["H200"] = "H200-141GB",
        ["L40S"] = "L40S-48GB",
        ["L4"] = "L4-24GB",
        ["A10G"] = "A10G-24GB",
        ["B200"] = "B200-192GB",
        ["RTX-PRO-6000"] = "RTX-PRO-6000-96GB",
        ["RTX-3090"] = "RTX-3090-24GB",
        ["A100-80GB-SXM"] = "A100-80GB",
    };

    /// <summary>Finds a GPU by id (case-insensitive); unambiguous short names such as <c>H100</c> or <c>L40S</c> also work.</summary>
    /// <exception cref="CatalogueException">The id is unknown; the message lists the valid ids.</exception>
    public static GpuSpec Get(string id)
    {
        var key = Aliases.TryGetValue(id, out var canonical) ? canonical : id;
        return All.FirstOrDefault(g => string.Equals(g.Id, key, StringComparison.OrdinalIgnoreCase))
            ?? throw CatalogueException.Unknown("GPU", id, All.Select(g => g.Id));
    }
}
