using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Aspire70B.Hosting.Vllm;

namespace Aspire.Hosting;

/// <summary>
/// Several model servers behind one gateway: each local server on its own GPUs, each model marked as a replica with
/// its tier and capacity, so the gateway (which takes every <c>ConnectionStrings__model*</c>) can route among them.
/// </summary>
public static class VllmReplicaExtensions
{
    /// <summary>The environment variable that confines a CUDA process to some of the machine's GPUs.</summary>
    public const string CudaVisibleDevices = "CUDA_VISIBLE_DEVICES";

    /// <summary>
    /// Gives the server only <paramref name="devices"/> (CUDA indices as <c>nvidia-smi</c> lists them): as a process,
    /// <c>CUDA_VISIBLE_DEVICES=0,1</c>; as a container (<see cref="VllmBuilderExtensions.RunAsContainer"/>, called after
    /// this), <c>--gpus "device=0,1"</c> instead of every GPU.
    /// </summary>
    public static IResourceBuilder<VllmServerResource> WithGpuDevices(this IResourceBuilder<VllmServerResource> builder, IReadOnlyList<int> devices)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(devices);
        if (devices.Count == 0 || devices.Any(d => d < 0) || devices.Distinct().Count() != devices.Count)
        {
            throw new ArgumentException($"GPU devices must be distinct indices of 0 or more, got [{string.Join(", ", devices)}].", nameof(devices));
        }

        builder.Resource.Annotations.OfType<VllmServerAnnotation>().Single().GpuDevices = [.. devices];
        return builder.WithEnvironment(CudaVisibleDevices, DeviceList(devices));
    }

    /// <summary>
    /// Marks the model as one replica among several: its connection string carries <c>Tier=…;MaxSequences=N</c>, and
    /// the dashboard shows both as properties. <paramref name="maxSequences"/> defaults to the plan's
    /// <c>max_num_seqs</c>, what the server runs at once.
    /// </summary>
    public static IResourceBuilder<VllmModelResource> AsReplica(this IResourceBuilder<VllmModelResource> model,
        ModelReplicaTier tier = ModelReplicaTier.Primary, int? maxSequences = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var replica = new ModelReplicaAnnotation(tier, maxSequences ?? model.Resource.Server.Plan.Scheduler.MaxNumSeqs);
        var initial = model.Resource.Annotations.OfType<ResourceSnapshotAnnotation>().Last().InitialSnapshot;
        return model
            .WithAnnotation(replica, ResourceAnnotationMutationBehavior.Replace)
            .WithAnnotation(new ResourceSnapshotAnnotation(initial with
            {
                Properties =
                [
                    .. initial.Properties.Where(p => p.Name is not (TierProperty or MaxSequencesProperty)),
                    new(TierProperty, replica.Tier.ToString()),
                    new(MaxSequencesProperty, replica.MaxSequences.ToString(CultureInfo.InvariantCulture)),
                ],
            }), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>The dashboard property of a replica's tier.</summary>
    public const string TierProperty = "aspire70b.replica.tier";

    /// <summary>The dashboard property of a replica's capacity.</summary>
    public const string MaxSequencesProperty = "aspire70b.replica.max_sequences";

    internal static string DeviceList(IEnumerable<int> devices) => string.Join(',', devices.Select(d => d.ToString(CultureInfo.InvariantCulture)));
}
