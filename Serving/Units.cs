namespace Aspire70B.Serving;

/// <summary>Byte units. GiB = 2^30 bytes everywhere, as vLLM prints them (even where it says "GB").</summary>
public static class Units
{
    /// <summary>Bytes in a GiB.</summary>
    public const double GiB = 1024d * 1024 * 1024;

    /// <summary>Bytes in a MiB.</summary>
    public const double MiB = 1024d * 1024;

    /// <summary>Bytes per second in one TB/s (decimal, as bandwidth is specified).</summary>
    public const double TBps = 1e12;
}
