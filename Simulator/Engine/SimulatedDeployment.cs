using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Simulator.Options;
using Aspire70B.Serving.Tokenization;

namespace Aspire70B.Simulator.Engine;

/// <summary>
/// What the Simulator emulates, fixed at start: the profile, the planner's verdict on it, the tokenizer shaped like
/// the model's, and the speeds and capacity that follow. Immutable and thread-safe.
/// </summary>
internal sealed class SimulatedDeployment
{
    // Dense 16-bit tensor throughput (TFLOPS) of the GPUs the catalogue knows; prefill is compute-bound.
    private static readonly Dictionary<string, double> DenseTflops = new(StringComparer.OrdinalIgnoreCase)
    {
        ["A100-40GB"] = 312, ["A100-80GB"] = 312, ["A100-80GB-PCIe"] = 312,
        ["H100-80GB"] = 989, ["H100-PCIe"] = 756, ["H100-NVL-94GB"] = 835, ["H200-141GB"] = 989,
        ["L40S-48GB"] = 362, ["L4-24GB"] = 121, ["A10G-24GB"] = 70, ["RTX-3090-24GB"] = 71,
        ["RTX-PRO-6000-96GB"] = 500, ["B200-192GB"] = 2250,
    };

    /// <summary>The share of peak compute a prefill reaches (model FLOPs utilisation).</summary>
    public const double PrefillUtilisation = 0.4;

    /// <summary>Used when the planner has no decode estimate (a GPU without a bandwidth).</summary>
    public const double FallbackDecodeTokensPerSecond = 30;

    public SimulatedDeployment(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Profile = DeploymentProfiles.Get(options.Profile);
        Plan = new DeploymentPlanner().Plan(Profile.ToPlanRequest());
        Tokenizer = new ApproximateTokenizer(TokenizerVocabulary.For(Profile.Model));
        DecodeTokensPerSecond = options.DecodeTokensPerSecond ?? Plan.DecodeTokensPerSecondEstimate ?? FallbackDecodeTokensPerSecond;
        PrefillTokensPerSecond = options.PrefillTokensPerSecond ?? EstimatePrefill(Profile);
        MaxNumSeqs = Plan.Scheduler.MaxNumSeqs;
        KvCacheBlocks = Plan.KvCacheBlocks;
        BlockSize = Plan.KvLayout.BlockSize;
    }

    public DeploymentProfile Profile { get; }

    public DeploymentPlan Plan { get; }

    public ApproximateTokenizer Tokenizer { get; }

    public string ServedModelName => Profile.ServedModelName;

    public int MaxModelLen => Plan.MaxModelLen;

    public double DecodeTokensPerSecond { get; }

    public double PrefillTokensPerSecond { get; }

    public int MaxNumSeqs { get; }

    public long KvCacheBlocks { get; }

    public int BlockSize { get; }

    private static double EstimatePrefill(DeploymentProfile profile)
    {
        var tflops = DenseTflops.GetValueOrDefault(profile.Gpu.Id, 312);
        var flopsPerToken = 2.0 * profile.Model.TotalParameters;
        return profile.GpuCount * tflops * 1e12 * PrefillUtilisation / flopsPerToken;
    }
}
