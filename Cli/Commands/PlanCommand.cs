using System.CommandLine;
using System.Text.Json;
using Aspire70B.Cli.Output;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.Cli.Commands;

/// <summary><c>plan</c>: what a deployment costs in GPU memory, whether vLLM starts, and what to change if not.</summary>
internal static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var profile = new Option<string?>("--profile") { Description = $"Start from a named profile (see 'profiles'); other options override it. Without --profile, --model or --config: {DeploymentProfiles.Default.Name}.", HelpName = "name" };
        var model = new Option<string?>("--model") { HelpName = "id", Description = $"A catalogue model: {string.Join(", ", ModelCatalog.All.Select(m => m.Id))}." };
        var config = new Option<FileInfo?>("--config") { HelpName = "path", Description = "A Llama-family Hugging Face config.json, instead of --model (vLLM's defaults apply, BF16 on one A100-80GB unless given)." };
        var quantization = new Option<string?>("--quantization") { HelpName = "id", Description = $"One of: {string.Join(", ", QuantizationCatalog.All.Select(q => q.Id))}." };
        var gpu = new Option<string?>("--gpu") { HelpName = "id", Description = $"One of: {string.Join(", ", GpuCatalog.All.Select(g => g.Id))}." };
        var gpuMemory = NumberOptions.Double("--gpu-memory-gib", "A custom GPU with this much usable memory (GiB as CUDA reports it), instead of --gpu.");
        var gpuBandwidth = NumberOptions.Double("--gpu-bandwidth-tbps", "Memory bandwidth of the custom GPU in TB/s (for speed and cost).");
        var gpus = NumberOptions.Integer("--gpus", "GPUs for tensor parallelism.");
        var utilization = NumberOptions.Double("--gpu-memory-utilization", "Share of each GPU vLLM may use (vLLM's default 0.9).");
        var maxModelLen = NumberOptions.Integer("--max-model-len", "Context length (vLLM's default: the model's maximum).");
        var kvDtype = new Option<string?>("--kv-cache-dtype") { Description = "auto or fp8." };
        kvDtype.AcceptOnlyFromAmong("auto", "fp8");
        var batchedTokens = NumberOptions.Integer("--max-num-batched-tokens", "Tokens per scheduler step (vLLM's default depends on the GPU).");
        var maxNumSeqs = NumberOptions.Integer("--max-num-seqs", "Concurrent sequences (vLLM's default depends on the GPU).");
        var kvMemory = NumberOptions.Double("--kv-cache-memory-gib", "KV-cache memory per GPU, bypassing profiling as vLLM's --kv-cache-memory-bytes does.");
        var price = NumberOptions.Double("--usd-per-gpu-hour", "Price per GPU-hour, overriding the price table.");
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var check = new Option<bool>("--check") { Description = "Exit with 1 when vLLM would refuse to start (for scripts)." };

        var command = new Command("plan", "Plan a deployment's GPU memory the way vLLM does, and say whether it starts.")
        {
            profile, model, config, quantization, gpu, gpuMemory, gpuBandwidth, gpus, utilization, maxModelLen, kvDtype,
            batchedTokens, maxNumSeqs, kvMemory, price, json, check,
        };

        command.SetAction(parse =>
        {
            try
            {
                if (parse.GetValue(model) is not null && parse.GetValue(config) is not null)
                {
                    return Usage(context, "Give --model or --config, not both.");
                }

                if (parse.GetValue(gpu) is not null && parse.GetValue(gpuMemory) is not null)
                {
                    return Usage(context, "Give --gpu or --gpu-memory-gib, not both.");
                }

                if (parse.GetValue(gpuBandwidth) is not null && parse.GetValue(gpuMemory) is null)
                {
                    return Usage(context, "--gpu-bandwidth-tbps describes a custom GPU: give --gpu-memory-gib with it.");
                }

                var (request, servedName, checkpoint) = BaseRequest(parse.GetValue(profile), parse.GetValue(model), parse.GetValue(config));
                if (parse.GetValue(quantization) is { } q)
                {
                    request = request with { Quantization = QuantizationCatalog.Get(q) };
                    checkpoint = Checkpoints.Find(request.Model, request.Quantization) ?? checkpoint;
                }

                if (parse.GetValue(gpu) is { } g)
                {
                    request = request with { Gpu = GpuCatalog.Get(g) };
                }

                if (parse.GetValue(gpuMemory) is { } memory)
                {
                    if (!(memory > 0 && double.IsFinite(memory)))
                    {
                        return Usage(context, $"--gpu-memory-gib must be a positive number of GiB, got {memory}.");
                    }

                    var bandwidth = parse.GetValue(gpuBandwidth);
                    if (bandwidth is { } b && !(b > 0 && double.IsFinite(b)))
                    {
                        return Usage(context, $"--gpu-bandwidth-tbps must be a positive number, got {b}.");
                    }

                    request = request with { Gpu = GpuSpec.Custom(memory, bandwidth) };
                }

                request = request with
                {
                    GpuCount = parse.GetValue(gpus) ?? request.GpuCount,
                    GpuMemoryUtilization = parse.GetValue(utilization) ?? request.GpuMemoryUtilization,
                    MaxModelLen = parse.GetValue(maxModelLen) ?? request.MaxModelLen,
                    KvCacheDtype = parse.GetValue(kvDtype) is { } d ? (d == "fp8" ? KvCacheDtype.Fp8 : KvCacheDtype.Auto) : request.KvCacheDtype,
                    MaxNumBatchedTokens = parse.GetValue(batchedTokens) ?? request.MaxNumBatchedTokens,
                    MaxNumSeqs = parse.GetValue(maxNumSeqs) ?? request.MaxNumSeqs,
                    KvCacheMemoryGiB = parse.GetValue(kvMemory) ?? request.KvCacheMemoryGiB,
                    UsdPerGpuHour = parse.GetValue(price) ?? request.UsdPerGpuHour,
                };

                var plan = new DeploymentPlanner().Plan(request);
                var vllmArgs = VllmLaunch.ServeArguments(request, checkpoint, servedName);
                if (parse.GetValue(json))
                {
                    WriteJson(context.Out, writer => PlanJsonWriter.Write(writer, plan, vllmArgs));
                }
                else
                {
                    PlanTextWriter.Write(context.Out, plan, vllmArgs);
                }

                return parse.GetValue(check) && !plan.Feasible ? ExitCodes.Failure : ExitCodes.Success;
            }
            catch (CatalogueException e)
            {
                return Usage(context, e.Message);
            }
            catch (ArgumentOutOfRangeException e)
            {
                return Usage(context, $"Invalid value for {e.ParamName}: {e.ActualValue}. {FirstSentence(e.Message)}");
            }
        });
        return command;
    }

    internal static void WriteJson(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static (PlanRequest Request, string ServedName, string Checkpoint) BaseRequest(string? profileName, string? modelId, FileInfo? config)
    {
        if (profileName is not null || (modelId is null && config is null))
        {
            var profile = profileName is null ? DeploymentProfiles.Default : DeploymentProfiles.Get(profileName);
            var request = profile.ToPlanRequest();
            if (modelId is not null)
            {
                var model = ModelCatalog.Get(modelId);
                return (request with { Model = model }, model.Id, Checkpoints.Find(model, request.Quantization) ?? model.Id);
            }

            if (config is not null)
            {
                var model = ModelCatalog.FromConfigFile(config.FullName);
                return (request with { Model = model }, model.Id, config.DirectoryName ?? model.Id);
            }

            return (request, profile.ServedModelName, profile.HuggingFaceRepo);
        }

        // No profile: vLLM's own defaults for everything not given.
        var architecture = config is not null ? ModelCatalog.FromConfigFile(config.FullName) : ModelCatalog.Get(modelId!);
        var adHoc = new PlanRequest
        {
            Model = architecture,
            Quantization = QuantizationCatalog.Bf16,
            Gpu = GpuCatalog.Get("A100-80GB"),
        };
        var checkpoint = config is not null
            ? config.DirectoryName ?? architecture.Id
            : Checkpoints.Find(architecture, adHoc.Quantization) ?? architecture.Id;
        return (adHoc, architecture.Id, checkpoint);
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    private static int Usage(CliContext context, string message)
    {
        context.Error.WriteLine(message);
        return ExitCodes.Usage;
    }
}
