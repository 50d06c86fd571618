using System.Globalization;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Hosting.Vllm;

/// <summary>The plan in a few lines, for the model resource's "Show plan" command and the AppHost's start.</summary>
public static class VllmPlanText
{
    /// <summary>One line: the profile, its GPUs and the figures that decide whether it starts.</summary>
    public static string Summary(DeploymentProfile profile, DeploymentPlan plan)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(plan);
        return Invariant($"Plan for {profile.Name}: {profile.GpuCount} × {plan.Request.Gpu.Id}, weights {plan.PerGpu.WeightsGiB:0.00} GiB per GPU, KV cache {plan.PerGpu.KvCacheGiB:0.00} GiB per GPU = {plan.KvCacheTokens:N0} tokens, {plan.MaxConcurrency:0.0} sequences at {plan.MaxModelLen:N0} tokens")
            + (plan.Feasible ? "." : ": vLLM would refuse it.");
    }

    /// <summary>The summary, then the memory budget per GPU, the warnings, and for an infeasible plan its reasons and suggestions.</summary>
    public static IReadOnlyList<string> Lines(DeploymentProfile profile, DeploymentPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var gpu = plan.PerGpu;
        var lines = new List<string>
        {
            Summary(profile, plan),
            Invariant($"  per GPU: total {gpu.TotalGiB:0.00} GiB × {plan.Request.GpuMemoryUtilization:0.00} = budget {gpu.BudgetGiB:0.00} GiB; weights {gpu.WeightsGiB:0.00}, activation peak {gpu.ActivationGiB:0.00}, outside PyTorch {gpu.NonTorchGiB:0.00}, KV cache {gpu.KvCacheGiB:0.00}"),
        };
        lines.AddRange(plan.Warnings.Select(w => $"  warning: {w.Message}"));
        lines.AddRange(plan.Reasons.Select(r => $"  refused: {r.Message}"));
        lines.AddRange(plan.Suggestions.Select(s => $"  try: {s.Description}"));
        return lines;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
