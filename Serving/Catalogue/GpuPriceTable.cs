namespace Aspire70B.Serving.Catalogue;

/// <summary>An hourly price for one GPU.</summary>
/// <param name="UsdPerGpuHour">US dollars per GPU per hour.</param>
/// <param name="Source">Where the price comes from and when, e.g. "Modal list price, 2025".</param>
public sealed record GpuPrice(double UsdPerGpuHour, string Source);

/// <summary>
/// Hourly GPU prices for the cost columns. The defaults are Modal's published on-demand list prices (serverless,
/// per GPU, billed by the second) as of 2025; pass your own table or a per-plan override for other clouds.
/// </summary>
public sealed class GpuPriceTable
{
    private readonly Dictionary<string, GpuPrice> _prices;

    /// <summary>Creates a table from GPU id → price.</summary>
    public GpuPriceTable(IReadOnlyDictionary<string, GpuPrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _prices = new Dictionary<string, GpuPrice>(prices, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The date the default prices were read.</summary>
    public const string DefaultsAsOf = "2025";

    /// <summary>Modal's published list prices.</summary>
    public static GpuPriceTable ModalDefaults { get; } = new(new Dictionary<string, GpuPrice>
    {
        ["A100-40GB"] = Modal(2.10),
        ["A100-80GB"] = Modal(2.50),
        ["H100-80GB"] = Modal(3.95),
        ["H200-141GB"] = Modal(4.54),
        ["B200-192GB"] = Modal(6.25),
        ["L40S-48GB"] = Modal(1.95),
        ["A10G-24GB"] = Modal(1.10),
        ["L4-24GB"] = Modal(0.80),
    });

    /// <summary>The price of <paramref name="gpu"/>, or null when the table has none.</summary>
    public GpuPrice? Find(GpuSpec gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        return _prices.GetValueOrDefault(gpu.Id);
    }

    private static GpuPrice Modal(double usd) => new(usd, $"Modal list price, {DefaultsAsOf}");
}
