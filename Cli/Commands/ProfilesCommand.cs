using System.CommandLine;
using System.Globalization;
using Aspire70B.Cli.Output;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.Cli.Commands;

/// <summary><c>profiles</c>: every named deployment with the planner's verdict, or (<c>--costs</c>) what each costs to run.</summary>
internal static class ProfilesCommand
{
    /// <summary>Working days in a month, for the monthly figure of <c>--costs</c>.</summary>
    public const int WorkingDaysPerMonth = 22;

    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {name, description, plan}." };
        var costs = new Option<bool>("--costs") { Description = "Print what each profile that starts costs: per hour, per working day kept warm, per million output tokens." };
        var hours = new Option<double>("--hours-per-day") { HelpName = "h", DefaultValueFactory = _ => 10, Description = "With --costs: hours a day the endpoint is kept warm." };
        var command = new Command("profiles", "List the deployment profiles with the planner's verdict on each.") { json, costs, hours };
        command.SetAction(parse =>
        {
            var planner = new DeploymentPlanner();
            var planned = DeploymentProfiles.All.Select(p => (Profile: p, Plan: planner.Plan(p.ToPlanRequest()))).ToList();
            if (parse.GetValue(costs))
            {
                var perDay = parse.GetValue(hours);
                if (!(perDay is > 0 and <= 24))
                {
                    context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--hours-per-day must be more than 0 and at most 24, got {perDay}."));
                    return ExitCodes.Usage;
                }

                WriteCosts(context.Out, planned, perDay);
                return ExitCodes.Success;
            }

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

    private static void WriteCosts(TextWriter output, IReadOnlyList<(DeploymentProfile Profile, DeploymentPlan Plan)> planned, double hoursPerDay)
    {
        var day = string.Create(CultureInfo.InvariantCulture, $">$/DAY ({hoursPerDay:0.#} H)");
        var table = new TextTable("PROFILE", "GPUS", ">WEIGHTS GIB", ">$/H", day, ">$/MONTH", ">TOK/S", ">$/M TOKENS");
        var refused = new List<string>();
        string? source = null;
        foreach (var (profile, plan) in planned)
        {
            if (!plan.Feasible || plan.CostPerHourUsd is not { } hourly)
            {
                refused.Add(profile.Name);
                continue;
            }

            source ??= plan.PriceSource;
            table.AddRow(
                profile.Name,
                $"{profile.GpuCount} × {profile.Gpu.Id}",
                PlanTextWriter.F1(plan.PerGpu.WeightsGiB * profile.GpuCount),
                PlanTextWriter.F2(hourly),
                PlanTextWriter.F2(hourly * hoursPerDay),
                (hourly * hoursPerDay * WorkingDaysPerMonth).ToString("N0", CultureInfo.InvariantCulture),
                plan.DecodeTokensPerSecondEstimate is { } speed ? PlanTextWriter.F1(speed) : "-",
                plan.CostPerMillionOutputTokensUsd is { } perMillion ? PlanTextWriter.F2(perMillion) : "-");
        }

        table.Write(output);
        output.WriteLine();
        output.WriteLine($"Prices: {source ?? "none known"}, per GPU-hour while a container runs. $/MONTH is {WorkingDaysPerMonth} such days.");
        output.WriteLine("WEIGHTS GIB is what every cold start loads. $/M TOKENS is one stream at the batch-1 speed (TOK/S); concurrent");
        output.WriteLine("streams share the GPU-hour, so it falls nearly in proportion while decoding stays memory-bound.");
        if (refused.Count > 0)
        {
            output.WriteLine($"Not priced (vLLM would refuse them): {string.Join(", ", refused)}.");
        }
    }
}
