using System.Diagnostics;
using System.Globalization;

namespace Aspire70B.Hosting.Vllm;

/// <summary>One GPU as <c>nvidia-smi</c> reports it.</summary>
public sealed record DetectedGpu(string Name, double MemoryMiB)
{
    public double MemoryGiB => MemoryMiB / 1024.0;
}

/// <summary>The local GPUs: <c>nvidia-smi --query-gpu=name,memory.total --format=csv,noheader</c>.</summary>
public static class GpuInventory
{
    public static readonly string[] NvidiaSmiArguments = ["--query-gpu=name,memory.total", "--format=csv,noheader"];

    /// <summary>Parses lines such as <c>NVIDIA A100-SXM4-80GB, 81920 MiB</c>; lines that do not parse are skipped.</summary>
    public static IReadOnlyList<DetectedGpu> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var gpus = new List<DetectedGpu>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var comma = line.LastIndexOf(',');
            if (comma <= 0)
            {
                continue;
            }

            var memory = line[(comma + 1)..].Trim();
            if (memory.EndsWith("MiB", StringComparison.OrdinalIgnoreCase))
            {
                memory = memory[..^3].Trim();
            }

            if (double.TryParse(memory, NumberStyles.Float, CultureInfo.InvariantCulture, out var mib))
            {
                gpus.Add(new DetectedGpu(line[..comma].Trim(), mib));
            }
        }

        return gpus;
    }

    /// <summary>Runs nvidia-smi from PATH; null when it is missing or fails (no GPU, no driver).</summary>
    public static Task<string?> QueryAsync(CancellationToken cancellationToken) => QueryAsync("nvidia-smi", cancellationToken);

    /// <summary>Runs <paramref name="nvidiaSmi"/>; null when it is missing or fails (no GPU, no driver).</summary>
    public static async Task<string?> QueryAsync(string nvidiaSmi, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(nvidiaSmi, NvidiaSmiArguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            await error;
            return process.ExitCode == 0 ? await output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
