using System.Globalization;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Serving.Vllm;

/// <summary>Where the vLLM server listens. Its API key is never put in argv (where <c>ps</c> shows it): vLLM reads <c>VLLM_API_KEY</c> from its environment.</summary>
/// <param name="Host">The address to bind.</param>
/// <param name="Port">The port.</param>
public sealed record VllmListenOptions(string Host = "127.0.0.1", int Port = 8000);

/// <summary>
/// Builds the argv that launches vLLM's OpenAI server for a deployment: <c>vllm serve …</c> on a GPU box and
/// <c>docker run … vllm/vllm-openai:TAG …</c> in a container. The one place these flags are written.
/// </summary>
public static class VllmLaunch
{
    /// <summary>The vLLM release the arithmetic and flags are pinned to.</summary>
    public const string PinnedVersion = "0.11.0";

    /// <summary>The container image, pinned.</summary>
    public const string DockerImage = "vllm/vllm-openai:v" + PinnedVersion;

    /// <summary>The engine flags (everything after the model) for a plan request.</summary>
    public static IReadOnlyList<string> EngineArguments(PlanRequest request, string servedModelName)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(servedModelName);
        var args = new List<string> { "--served-model-name", servedModelName };
        if (request.Quantization.VllmQuantization is { } quantization)
        {
            args.AddRange(["--quantization", quantization]);
        }

        if (request.Quantization.VllmDtype != "auto")
        {
            args.AddRange(["--dtype", request.Quantization.VllmDtype]);
        }

        args.AddRange(["--tensor-parallel-size", Invariant(request.GpuCount)]);
        args.AddRange(["--gpu-memory-utilization", request.GpuMemoryUtilization.ToString("0.###", CultureInfo.InvariantCulture)]);
        args.AddRange(["--max-model-len", Invariant(request.EffectiveMaxModelLen)]);
        args.AddRange(["--kv-cache-dtype", request.KvCacheDtype == KvCacheDtype.Fp8 ? "fp8" : "auto"]);
        if (request.MaxNumSeqs is { } seqs)
        {
            args.AddRange(["--max-num-seqs", Invariant(seqs)]);
        }

        if (request.MaxNumBatchedTokens is { } tokens)
        {
            args.AddRange(["--max-num-batched-tokens", Invariant(tokens)]);
        }

        if (request.BlockSize != PlanRequest.DefaultBlockSize)
        {
            args.AddRange(["--block-size", Invariant(request.BlockSize)]);
        }

        if (request.KvCacheMemoryGiB is { } kv)
        {
            args.AddRange(["--kv-cache-memory-bytes", ((long)Math.Floor(kv * Units.GiB)).ToString(CultureInfo.InvariantCulture)]);
        }

        return args;
    }

    /// <summary><c>vllm serve MODEL …</c> for a plan request.</summary>
    public static IReadOnlyList<string> ServeArguments(PlanRequest request, string model, string servedModelName, VllmListenOptions? listen = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        listen ??= new VllmListenOptions();
        return ["vllm", "serve", model, .. EngineArguments(request, servedModelName), .. ListenArguments(listen.Host, listen.Port)];
    }

    /// <summary><c>vllm serve …</c> for a profile.</summary>
    public static IReadOnlyList<string> ServeArguments(DeploymentProfile profile, VllmListenOptions? listen = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return ServeArguments(profile.ToPlanRequest(), profile.HuggingFaceRepo, profile.ServedModelName, listen);
    }

    /// <summary>
    /// <c>docker run … vllm/vllm-openai:TAG --model …</c> for a profile: all GPUs, host IPC for NCCL, the Hugging Face
    /// cache mounted, <c>HF_TOKEN</c> and <c>VLLM_API_KEY</c> passed through from the environment, and the port
    /// published on <paramref name="listen"/>'s host only.
    /// </summary>
    /// <param name="profile">The deployment.</param>
    /// <param name="huggingFaceCacheDirectory">The host directory holding the Hugging Face cache.</param>
    /// <param name="listen">Where to publish the server on the host.</param>
    public static IReadOnlyList<string> DockerArguments(DeploymentProfile profile, string huggingFaceCacheDirectory, VllmListenOptions? listen = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentException.ThrowIfNullOrWhiteSpace(huggingFaceCacheDirectory);
        listen ??= new VllmListenOptions();
        var args = new List<string>
        {
            "docker", "run", "--rm", "--runtime", "nvidia", "--gpus", "all", "--ipc=host",
            "-p", $"{listen.Host}:{Invariant(listen.Port)}:8000",
            "-v", $"{huggingFaceCacheDirectory}:/root/.cache/huggingface",
            "--env", "HF_TOKEN", "--env", "VLLM_API_KEY",
            DockerImage,
        };
        args.AddRange(["--model", profile.HuggingFaceRepo]);
        args.AddRange(EngineArguments(profile.ToPlanRequest(), profile.ServedModelName));
        // Inside the container vLLM must listen on every interface; the host side is bound by -p above.
        args.AddRange(ListenArguments("0.0.0.0", 8000));
        return args;
    }

    /// <summary>Joins argv into one line a POSIX shell reads back as the same argv.</summary>
    public static string ToShellCommand(IEnumerable<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        return string.Join(' ', argv.Select(Quote));

        static string Quote(string arg) =>
            arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c, StringComparison.Ordinal))
                ? arg
                : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static string[] ListenArguments(string host, int port) => ["--host", host, "--port", Invariant(port)];

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
