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
    /// <paramref name="replicas"/> servers of the profile side by side: the GPUs split in order into sets of the
    /// profile's tensor-parallel size (replica 1 on GPUs 0…tp−1, replica 2 on the next tp, …), each set planned on its
    /// own cards. What <see cref="Check"/> refuses for one replica is refused the same way; GPUs enough for one replica
    /// but not for all is <paramref name="replicas"/>' fault, a usage error that says how many fit.
    /// </summary>
    public static ReplicaGpuPlan CheckReplicas(DeploymentProfile profile, IReadOnlyList<DetectedGpu> gpus, int replicas)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(gpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        var (_, refusals) = Check(profile, gpus);
        if (refusals.Count > 0)
        {
            return new ReplicaGpuPlan([], refusals, null);
        }

        var perReplica = profile.GpuCount;
        if (gpus.Count < replicas * perReplica)
        {
            return new ReplicaGpuPlan([], [], string.Create(CultureInfo.InvariantCulture,
                $"--replicas {replicas} needs {replicas * perReplica} GPUs ({perReplica} per replica of {profile.Name}); this machine has {gpus.Count}, enough for {gpus.Count / perReplica}."));
        }

        var sets = Enumerable.Range(0, replicas).Select(r =>
        {
            var devices = Enumerable.Range(r * perReplica, perReplica).ToArray();
            return new ReplicaGpus(devices, Check(profile, [.. devices.Select(d => gpus[d])]).Plan!);
        });
        return new ReplicaGpuPlan([.. sets], [], null);
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

/// <summary>One replica's share of the machine: its GPUs (CUDA indices, as <c>nvidia-smi</c> lists them) and the plan made on them.</summary>
public sealed record ReplicaGpus(IReadOnlyList<int> Devices, DeploymentPlan Plan);

/// <summary>
/// How replicas of a profile fit this machine's GPUs: a plan per replica, or what is missing (<see cref="Refusals"/>:
/// no GPU, too few for even one), or a usage error (<see cref="UsageError"/>: enough for fewer replicas than asked).
/// </summary>
public sealed record ReplicaGpuPlan(IReadOnlyList<ReplicaGpus> Replicas, IReadOnlyList<string> Refusals, string? UsageError);
