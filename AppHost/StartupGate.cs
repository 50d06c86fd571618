using Aspire70B.Hosting.Vllm;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;
using Microsoft.Extensions.Configuration;

namespace Aspire70B.AppHost;

/// <summary>What the gate decided: go on with the profile and its plan, or stop with an exit code.</summary>
/// <remarks>
/// <see cref="Plan"/> is the first replica's; with <c>--backend vllm</c>, <see cref="Gpus"/> holds every replica's GPUs and
/// plan. <see cref="ModalEndpoint"/> is the Modal deployment's URL, for <c>--backend modal</c> or <c>--overflow modal</c>.
/// </remarks>
internal sealed record StartupDecision(int? ExitCode, DeploymentProfile? Profile = null, DeploymentPlan? Plan = null, Uri? ModalEndpoint = null)
{
    /// <summary>With vllm: each replica's GPUs and the plan made on them, in replica order.</summary>
    public IReadOnlyList<ReplicaGpus> Gpus { get; init; } = [];

    public const int Failure = 1;
    public const int Usage = 2;
}

/// <summary>
/// Everything checked before anything starts: the options, the profile, the plan (for vLLM, on the GPUs
/// <c>nvidia-smi</c> reports), and for Modal the stored endpoint and the proxy-auth token. A profile vLLM would refuse
/// stops the AppHost with exit code 1 and the planner's reasons and suggestions, whatever the backend.
/// </summary>
internal static class StartupGate
{
    public static async Task<StartupDecision> CheckAsync(AppHostOptions options, IConfiguration configuration, TextWriter error,
        Func<CancellationToken, Task<string?>> nvidiaSmi, CancellationToken cancellationToken)
    {
        if (options.Validate() is { } usage)
        {
            await error.WriteLineAsync(usage);
            return new StartupDecision(StartupDecision.Usage);
        }

        DeploymentProfile profile;
        try
        {
            profile = DeploymentProfiles.Get(options.Profile);
        }
        catch (CatalogueException e)
        {
            await error.WriteLineAsync(e.Message);
            return new StartupDecision(StartupDecision.Usage);
        }

        var refusals = new List<string>();
        DeploymentPlan? plan;
        IReadOnlyList<ReplicaGpus> replicaGpus = [];
        if (options.Backend == ModelBackend.Vllm)
        {
            var gpus = GpuInventory.Parse(await nvidiaSmi(cancellationToken) ?? "");
            var partition = LocalGpuPlan.CheckReplicas(profile, gpus, options.Replicas);
            if (partition.UsageError is { } tooFew)
            {
                await error.WriteLineAsync(tooFew);
                return new StartupDecision(StartupDecision.Usage, profile);
            }

            refusals.AddRange(partition.Refusals);
            replicaGpus = partition.Replicas;
            // The first replica's plan, unless another replica's cards (a smaller GPU among them) would refuse it.
            var refused = Enumerable.Range(0, replicaGpus.Count).Where(i => !replicaGpus[i].Plan.Feasible).Select(i => (int?)i).FirstOrDefault();
            plan = replicaGpus.Count == 0 ? null : replicaGpus[refused ?? 0].Plan;
            if (refused is { } index && replicaGpus.Count > 1)
            {
                refusals.Add($"Replica {index + 1} is planned on GPUs {string.Join(',', replicaGpus[index].Devices)}, where vLLM would refuse it.");
            }
        }
        else
        {
            plan = new DeploymentPlanner().Plan(profile.ToPlanRequest());
        }

        Uri? modalEndpoint = null;
        if ((options.Backend == ModelBackend.Modal || options.Overflow == OverflowTier.Modal) && refusals.Count == 0)
        {
            modalEndpoint = options.Backend == ModelBackend.Modal ? options.ModelEndpointUri : null;
            modalEndpoint ??= FindModalDeployment(options, profile, refusals);
            try
            {
                _ = ModalDeploymentSpec.For(profile);
            }
            catch (CatalogueException e)
            {
                refusals.Add(e.Message);
            }

            if (ModalToken.Problem(configuration, options.Backend == ModelBackend.Modal ? "--backend modal" : "--overflow modal") is { } problem)
            {
                refusals.Add(problem);
            }
        }

        if (refusals.Count > 0 || plan is not { Feasible: true })
        {
            await WriteRefusalAsync(error, profile, plan, refusals);
            return new StartupDecision(StartupDecision.Failure, profile, plan);
        }

        return new StartupDecision(null, profile, plan, modalEndpoint) { Gpus = replicaGpus };
    }

    /// <summary>The endpoint <c>deploy modal</c> stored for the profile, or null with what to do in <paramref name="refusals"/>.</summary>
    private static Uri? FindModalDeployment(AppHostOptions options, DeploymentProfile profile, List<string> refusals)
    {
        var deployments = ModalDeployments.Open(options.ConfigDir);
        try
        {
            if (deployments.Find(profile.Name) is { } endpoint)
            {
                return endpoint;
            }

            refusals.Add($"No Modal deployment of {profile.Name} is recorded in {deployments.FilePath}. Deploy it first "
                + $"(dotnet run --project Cli -- deploy modal --profile {profile.Name})"
                + (options.Backend == ModelBackend.Modal ? ", or pass its URL with --model-endpoint." : "."));
        }
        catch (InvalidOperationException e)
        {
            refusals.Add(e.Message);
        }

        return null;
    }

    /// <summary>Why nothing was started: what is missing here, the planner's reasons and the changes that would make it start.</summary>
    private static async Task WriteRefusalAsync(TextWriter error, DeploymentProfile profile, DeploymentPlan? plan, IReadOnlyList<string> refusals)
    {
        await error.WriteLineAsync($"Profile {profile.Name} is refused: nothing was started.");
        foreach (var refusal in refusals)
        {
            await error.WriteLineAsync($"  - {refusal}");
        }

        if (plan is { Feasible: false })
        {
            await error.WriteLineAsync("Why vLLM would refuse:");
            foreach (var reason in plan.Reasons)
            {
                await error.WriteLineAsync($"  - {reason.Message}");
            }

            if (plan.Suggestions.Count > 0)
            {
                await error.WriteLineAsync("Changes that make it start:");
                foreach (var suggestion in plan.Suggestions)
                {
                    await error.WriteLineAsync($"  - {suggestion.Description}  [{string.Join(' ', suggestion.Arguments)}]");
                }
            }

            await error.WriteLineAsync($"Details: dotnet run --project Cli -- plan --profile {profile.Name}");
        }
    }
}

/// <summary>
/// Modal's proxy-auth token as Aspire parameters (<c>Parameters:modal-key</c>/<c>-secret</c>, from user secrets or
/// <c>Parameters__modal-key</c>), with <c>MODAL_KEY</c>/<c>MODAL_SECRET</c> from the environment as a fallback.
/// </summary>
internal static class ModalToken
{
    public const string KeyParameter = "Parameters:modal-key";
    public const string SecretParameter = "Parameters:modal-secret";

    /// <summary>The fallback values for the parameters, from MODAL_KEY/MODAL_SECRET, where the parameters are not set.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> EnvironmentFallback(IConfiguration configuration)
    {
        if (!Has(configuration, KeyParameter) && Value(configuration, "MODAL_KEY") is { } key)
        {
            yield return new(KeyParameter, key);
        }

        if (!Has(configuration, SecretParameter) && Value(configuration, "MODAL_SECRET") is { } secret)
        {
            yield return new(SecretParameter, secret);
        }
    }

    /// <summary>What is missing, or null when both halves are given (as parameters or in the environment).</summary>
    public static string? Problem(IConfiguration configuration, string option = "--backend modal")
    {
        var key = Has(configuration, KeyParameter) || Value(configuration, "MODAL_KEY") is not null;
        var secret = Has(configuration, SecretParameter) || Value(configuration, "MODAL_SECRET") is not null;
        return (key, secret) switch
        {
            (true, true) => null,
            (false, false) => $"{option} needs a Modal proxy-auth token (create one at https://modal.com/settings/proxy-auth-tokens): "
                + "set MODAL_KEY and MODAL_SECRET, or 'dotnet user-secrets set Parameters:modal-key wk-… --project AppHost' and the same for Parameters:modal-secret.",
            _ => "Only half of the Modal proxy-auth token is set: give both the key (MODAL_KEY or Parameters:modal-key) and the secret (MODAL_SECRET or Parameters:modal-secret).",
        };
    }

    private static bool Has(IConfiguration configuration, string name) => Value(configuration, name) is not null;

    private static string? Value(IConfiguration configuration, string name) =>
        configuration[name] is { Length: > 0 } value ? value.Trim() : null;
}
