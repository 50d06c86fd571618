using System.Globalization;
using Aspire70B.AppHost.Hosting;
using Aspire70B.AppHost.Model;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.AppHost.Output;

/// <summary>What the AppHost tells the user before start (the plan, or why it refuses) and once everything is ready.</summary>
internal static class StartupReport
{
    /// <summary>One line: the profile and its plan.</summary>
    public static string PlanLine(DeploymentProfile profile, DeploymentPlan plan, ModelBackend backend)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(plan);
        var r = plan.Request;
        var speed = plan.DecodeTokensPerSecondEstimate is { } tps ? string.Create(CultureInfo.InvariantCulture, $" · ~{tps:0.0} tok/s at batch 1") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Profile {profile.Name} ({Backend(backend)}): {r.Model.Id} · {r.Quantization.Id} · {r.GpuCount} × {r.Gpu.Id} · context {plan.MaxModelLen:N0} · {plan.KvCacheTokens:N0} KV tokens{speed} · vLLM starts");
    }

    /// <summary>Why nothing was started: the planner's reasons and the changes that would make it start.</summary>
    public static void WriteRefusal(TextWriter error, DeploymentProfile profile, DeploymentPlan? plan, IReadOnlyList<string> refusals)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(profile);
        error.WriteLine($"Profile {profile.Name} is refused: nothing was started.");
        foreach (var refusal in refusals)
        {
            error.WriteLine($"  - {refusal}");
        }

        if (plan is { Feasible: false })
        {
            error.WriteLine("Why vLLM would refuse:");
            foreach (var reason in plan.Reasons)
            {
                error.WriteLine($"  - {reason.Message}");
            }

            if (plan.Suggestions.Count > 0)
            {
                error.WriteLine("Changes that make it start:");
                foreach (var suggestion in plan.Suggestions)
                {
                    error.WriteLine($"  - {suggestion.Description}  [{string.Join(' ', suggestion.Arguments)}]");
                }
            }

            error.WriteLine($"Details: dotnet run --project AppHost -- plan --profile {profile.Name}");
        }
    }

    /// <summary>The resources, the plan, and a curl that streams an answer.</summary>
    public static void WriteSummary(TextWriter output, DistributedApplication app, DeploymentProfile profile, DeploymentPlan plan, ModelBackend backend)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(profile);
        var table = new TextTable("RESOURCE", "STATE", "ENDPOINT", ">PID", "SOURCE");
        foreach (var r in app.Snapshot())
        {
            table.AddRow(r.Name, r.State.ToString().ToLowerInvariant(), Url(r.Endpoint) ?? "-",
                r.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-", r.Source);
        }

        output.WriteLine();
        table.Write(output);
        output.WriteLine();
        output.WriteLine(PlanLine(profile, plan, backend));
        if (app.Snapshot().FirstOrDefault(r => r.Name == "apiservice")?.Endpoint is { } api)
        {
            output.WriteLine("Stream an answer:");
            output.WriteLine("  " + Curl(api, profile.ServedModelName));
        }

        output.WriteLine("Press Ctrl+C to stop.");
        output.WriteLine();
    }

    /// <summary>The ready-to-paste curl that streams a chat answer through ApiService.</summary>
    public static string Curl(Uri apiservice, string model)
    {
        ArgumentNullException.ThrowIfNull(apiservice);
        return $"curl -N {Url(apiservice)}/v1/chat/completions -H 'Content-Type: application/json' " +
            $"-d '{{\"model\":\"{model}\",\"stream\":true,\"messages\":[{{\"role\":\"user\",\"content\":\"Write a haiku about GPUs.\"}}]}}'";
    }

    /// <summary>An endpoint as scripts use it: no trailing slash.</summary>
    public static string? Url(Uri? endpoint) => endpoint?.ToString().TrimEnd('/');

    private static string Backend(ModelBackend backend) => backend.ToString().ToLowerInvariant();
}
