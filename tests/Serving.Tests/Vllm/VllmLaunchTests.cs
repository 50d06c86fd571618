using System.Text;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.Serving.Tests.Vllm;

public sealed class VllmLaunchTests
{
    private static string GoldenPath => Path.Combine(AppContext.BaseDirectory, "Data", "vllm-launch.golden.txt");

    /// <summary>Every profile's <c>vllm serve</c> and <c>docker run</c> command, byte for byte.</summary>
    [Fact]
    public void EveryProfilesLaunchCommandsMatchTheGoldenFile()
    {
        var actual = new StringBuilder();
        foreach (var profile in DeploymentProfiles.All)
        {
            actual.Append("# ").Append(profile.Name).Append('\n');
            actual.Append(VllmLaunch.ToShellCommand(VllmLaunch.ServeArguments(profile))).Append('\n');
            actual.Append(VllmLaunch.ToShellCommand(VllmLaunch.DockerArguments(profile, "/srv/hf-cache"))).Append('\n');
        }

        Assert.Equal(File.ReadAllText(GoldenPath), actual.ToString());
    }

    [Fact]
    public void ServeArgumentsCarryEverySettingThePlannerChecked()
    {
        var args = VllmLaunch.ServeArguments(DeploymentProfiles.Fp8H100, new VllmListenOptions("127.0.0.1", 8123));

        Assert.Equal(
            ["vllm", "serve", "RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8", "--served-model-name", "llama-3.1-70b-instruct",
             "--quantization", "compressed-tensors", "--tensor-parallel-size", "1", "--gpu-memory-utilization", "0.95",
             "--max-model-len", "16384", "--kv-cache-dtype", "fp8", "--max-num-seqs", "16", "--host", "127.0.0.1", "--port", "8123"],
            args);
    }

    [Fact]
    public void KvCacheMemoryBecomesVllmsByteFlagAndBf16GetsAnExplicitDtype()
    {
        var request = new PlanRequest
        {
            Model = ModelCatalog.Llama31Instruct8B,
            Quantization = QuantizationCatalog.Bf16,
            Gpu = GpuCatalog.Get("L4"),
            MaxModelLen = 8192,
            KvCacheMemoryGiB = 2.5,
            MaxNumBatchedTokens = 4096,
        };

        var args = VllmLaunch.EngineArguments(request, "small");

        // vLLM 0.11.0's flag is --kv-cache-memory-bytes (EngineArgs.kv_cache_memory_bytes, vllm/engine/arg_utils.py);
        // "--kv-cache-memory" only reached it through argparse's prefix matching.
        Assert.Equal(
            ["--served-model-name", "small", "--dtype", "bfloat16", "--tensor-parallel-size", "1", "--gpu-memory-utilization", "0.9",
             "--max-model-len", "8192", "--kv-cache-dtype", "auto", "--max-num-batched-tokens", "4096", "--kv-cache-memory-bytes", "2684354560"],
            args);
    }

    [Fact]
    public void ShellCommandsQuoteWhatAShellWouldSplitOrExpand()
    {
        Assert.Equal("echo 'a b' 'it'\\''s' '$HOME' plain-1.0", VllmLaunch.ToShellCommand(["echo", "a b", "it's", "$HOME", "plain-1.0"]));
        Assert.Equal("''", VllmLaunch.ToShellCommand([""]));
    }

    [Fact]
    public void DockerPublishesOnTheHostAddressOnlyAndListensOnAllInterfacesInside()
    {
        var args = VllmLaunch.DockerArguments(DeploymentProfiles.AwqInt4A100, "/data/hf", new VllmListenOptions("127.0.0.1", 9000));

        Assert.Equal("127.0.0.1:9000:8000", args[args.ToList().IndexOf("-p") + 1]);
        Assert.Contains(VllmLaunch.DockerImage, args);
        Assert.Equal(["--host", "0.0.0.0", "--port", "8000"], args.TakeLast(4));
        Assert.DoesNotContain(args, a => a.Contains("KEY=", StringComparison.Ordinal));
    }
}
