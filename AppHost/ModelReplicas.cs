using Aspire70B.Hosting.Vllm;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.AppHost;

/// <summary>
/// The models behind the gateway: one (<c>vllm</c>/<c>model</c>, as always), or <c>--replicas N</c> servers
/// <c>vllm-1…N</c> with models <c>model-1…N</c> (each vLLM on its own GPUs), and with <c>--overflow modal</c> the Modal
/// deployment as <c>model-modal</c>. Once there is more than one, each model's connection string carries its tier and
/// capacity (<c>Tier=…;MaxSequences=N</c>) for the gateway's routing.
/// </summary>
internal static class ModelReplicas
{
    public const string OverflowServerName = "vllm-modal";
    public const string OverflowModelName = "model-modal";

    public static string ServerName(int replica, int count) => count == 1 ? "vllm" : $"vllm-{replica}";

    public static string ModelName(int replica, int count) => count == 1 ? "model" : $"model-{replica}";

    public static IReadOnlyList<IResourceBuilder<VllmModelResource>> AddModels(this IDistributedApplicationBuilder builder, AppHostOptions options,
        StartupDecision gate, bool containerRuntime)
    {
        var count = options.Replicas;
        var several = count > 1 || options.Overflow == OverflowTier.Modal;
        var servers = builder.AddModelServers(options, gate, containerRuntime);
        var models = new List<IResourceBuilder<VllmModelResource>>();
        for (var i = 0; i < servers.Count; i++)
        {
            var model = servers[i].AddModel(ModelName(i + 1, count));
            models.Add(several ? model.AsReplica(ModelReplicaTier.Primary) : model);
        }

        if (options.Overflow == OverflowTier.Modal)
        {
            // Modal runs up to max_containers containers of max_num_seqs sequences each: the tier's capacity.
            var spec = ModalDeploymentSpec.For(gate.Profile!);
            var overflow = builder.AddModalServer(OverflowServerName, gate)
                .AddModel(OverflowModelName)
                .AsReplica(ModelReplicaTier.Overflow, spec.MaxConcurrentInputs * spec.MaxContainers);
            // Aspire runs health checks every few seconds, and on Modal each one would keep a container awake: the tier
            // is meant to scale to zero. Its model is looked at as it starts (deployment, token), then left alone.
            foreach (var check in overflow.Resource.Annotations.OfType<HealthCheckAnnotation>().ToList())
            {
                overflow.Resource.Annotations.Remove(check);
            }

            models.Add(overflow);
        }

        return models;
    }

    /// <summary>
    /// References every model (<c>ConnectionStrings__model…</c>) and waits for the primary ones: the overflow tier may
    /// be cold (Modal scales to zero), and the gateway routes around a replica that does not answer.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithModels(this IResourceBuilder<ProjectResource> gateway, IEnumerable<IResourceBuilder<VllmModelResource>> models)
    {
        foreach (var model in models)
        {
            gateway.WithReference(model);
            if (model.Resource.Replica is not { Tier: ModelReplicaTier.Overflow })
            {
                gateway.WaitFor(model);
            }
        }

        return gateway;
    }
}
