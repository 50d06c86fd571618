using System.CommandLine;
using System.Globalization;
using Aspire70B.AppHost.Output;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.AppHost.Commands;

/// <summary><c>profiles</c>: every named deployment with the planner's verdict.</summary>
internal static class ProfilesCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {name, description, plan}." };
        var command = new Command("profiles", "List the deployment profiles with the planner's verdict on each.") { json };
        command.SetAction(parse =>
        {
            var planner = new DeploymentPlanner();
            var planned = DeploymentProfiles.All.Select(p => (Profile: p, Plan: planner.Plan(p.ToPlanRequest()))).ToList();
            if (parse.GetValue(json))
            {
                PlanCommand.WriteJson(context.Out, writer =>
                {
                    writer.WriteStartArray();
                    foreach (var (profile, plan) in planned)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", profile.Name);
                        writer.WriteString("description", profile.Description);
                        writer.WriteString("servedModelName", profile.ServedModelName);
                        writer.WriteString("huggingFaceRepo", profile.HuggingFaceRepo);
                        writer.WriteString("chatTemplate", profile.ChatTemplateId);
                        if (profile.GuideVariantOf is { } corrected)
                        {
                            writer.WriteString("guideVariantOf", corrected);
                        }
                        else
                        {
                            writer.WriteNull("guideVariantOf");
                        }

                        writer.WritePropertyName("plan");
                        PlanJsonWriter.Write(writer, plan, VllmLaunch.ServeArguments(profile));
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                });
                return ExitCodes.Success;
            }

            var table = new TextTable("PROFILE", "MODEL", "QUANT", "GPUS", ">UTIL", ">CONTEXT", ">KV TOKENS", ">SEQS AT MAX", ">TOK/S", ">$/H", "VERDICT");
            foreach (var (profile, plan) in planned)
            {
                table.AddRow(
                    profile.Name,
                    profile.Model.Id,
                    profile.Quantization.Id,
                    $"{profile.GpuCount} × {profile.Gpu.Id}",
                    profile.GpuMemoryUtilization.ToString("0.00", CultureInfo.InvariantCulture),
                    plan.MaxModelLen.ToString("N0", CultureInfo.InvariantCulture),
                    plan.KvCacheTokens.ToString("N0", CultureInfo.InvariantCulture),
                    PlanTextWriter.F1(plan.MaxConcurrency),
                    plan.DecodeTokensPerSecondEstimate is { } s ? PlanTextWriter.F1(s) : "-",
                    plan.CostPerHourUsd is { } c ? PlanTextWriter.F2(c) : "-",
                    plan.Feasible ? "starts" : "refused: " + string.Join(", ", plan.Reasons.Select(r => r.Code)));
            }

            table.Write(context.Out);
            context.Out.WriteLine();
            context.Out.WriteLine("TOK/S is the batch-1 decode estimate. Details: plan --profile NAME.");
            return ExitCodes.Success;
        });
        return command;
    }
}
