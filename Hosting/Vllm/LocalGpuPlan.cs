using System.Globalization;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Hosting.Vllm;

/// <summary>
/// Checks a profile against the GPUs of this machine before vLLM is started: enough GPUs, then the planner run on the
/// detected card (the catalogue's spec when the name matches, otherwise the reported memory), so a plan vLLM would
/// refuse is refused here with the planner's reasons and suggestions.
/// </summary>
public static class LocalGpuPlan
{
    /// <summary>The plan on these GPUs, or the reasons it cannot run (no GPU, too few).</summary>
    public static (DeploymentPlan? Plan, IReadOnlyList<string> Refusals) Check(DeploymentProfile profile, IReadOnlyList<DetectedGpu> gpus)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(gpus);
        if (gpus.Count == 0)
        {
            return (null, ["No NVIDIA GPU found (nvidia-smi is missing or reports none). Use --backend simulator, or --backend external --model-endpoint URL."]);
        }

        if (gpus.Count < profile.GpuCount)
        {
            return (null, [string.Create(CultureInfo.InvariantCulture,
                $"Profile {profile.Name} needs {profile.GpuCount} GPUs (tensor parallelism); this machine has {gpus.Count} ({gpus[0].Name}).")]);
        }

        var request = profile.ToPlanRequest() with { Gpu = SpecFor(gpus[0]) };
        return (new DeploymentPlanner().Plan(request), []);
    }

    /// <summary>
    /// The catalogue's GPU whose CUDA device name is the reported name; otherwise a card known only by the memory
    /// nvidia-smi reports (slightly more than CUDA's figure, so the plan errs by a fraction of a GiB).
    /// </summary>
    public static GpuSpec SpecFor(DetectedGpu gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        return GpuCatalog.All.FirstOrDefault(spec => string.Equals(spec.DeviceName, gpu.Name, StringComparison.OrdinalIgnoreCase))
            ?? GpuSpec.Custom(Math.Round(gpu.MemoryGiB, 2));
    }
}
