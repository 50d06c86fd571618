using Aspire70B.Hosting.Vllm;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Hosting.Tests;

/// <summary>Progress and the figures vLLM logs, read from a v0.11 start-up log and set against the plan.</summary>
public sealed class VllmStartupLogTests
{
    private static readonly DeploymentPlan Plan = new DeploymentPlanner().Plan(DeploymentProfiles.AwqInt4A100.ToPlanRequest());

    private static readonly string[] Log =
    [
        "(APIServer pid=812) INFO 11-22 03:00:01 [api_server.py:1839] vLLM API server version 0.11.0",
        "(EngineCore_DP0 pid=901) INFO 11-22 03:00:09 [gpu_model_runner.py:2602] Starting to load model hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4...",
        "(EngineCore_DP0 pid=901) INFO 11-22 03:00:52 [default_loader.py:267] Loading weights took 41.02 seconds",
        "(EngineCore_DP0 pid=901) INFO 11-22 03:00:53 [gpu_model_runner.py:2653] Model loading took 37.0906 GiB and 43.511220 seconds",
        "(EngineCore_DP0 pid=901) INFO 11-22 03:01:20 [gpu_worker.py:298] Available KV cache memory: 33.61 GiB",
        "(EngineCore_DP0 pid=901) INFO 11-22 03:01:21 [kv_cache_utils.py:1087] GPU KV cache size: 110,112 tokens",
        "(EngineCore_DP0 pid=901) INFO 11-22 03:01:21 [kv_cache_utils.py:1091] Maximum concurrency for 16,384 tokens per request: 6.72x",
        "(EngineCore_DP0 pid=901) INFO 11-22 03:01:40 [gpu_model_runner.py:3480] Graph capturing finished in 19 secs, took 0.95 GiB",
        "(APIServer pid=812) INFO 11-22 03:01:44 [api_server.py:1971] Starting vLLM API server 0 on http://127.0.0.1:41233",
    ];

    [Fact]
    public void EachStageOfTheStartIsNamedAsTheLogReachesIt()
    {
        var log = new VllmStartupLog(Plan);
        var seen = new List<string?> { log.Describe() };
        foreach (var line in Log)
        {
            log.Observe(line);
            seen.Add(log.Describe());
        }

        Assert.Equal(
        [
            null,
            null,
            "loading weights",
            "loading weights",
            "profiling memory (weights 37.09 GiB per GPU loaded in 44 s)",
            "allocating the KV cache (weights 37.09 GiB per GPU loaded in 44 s)",
            "capturing CUDA graphs (weights 37.09 GiB per GPU loaded in 44 s, KV cache 110,112 tokens)",
            "capturing CUDA graphs (weights 37.09 GiB per GPU loaded in 44 s, KV cache 110,112 tokens)",
            "capturing CUDA graphs (weights 37.09 GiB per GPU loaded in 44 s, KV cache 110,112 tokens)",
            "starting the API server (weights 37.09 GiB per GPU loaded in 44 s, KV cache 110,112 tokens)",
        ], seen);
    }

    [Fact]
    public void WhenReadyTheLoggedFiguresAreSetAgainstThePlan()
    {
        var log = new VllmStartupLog(Plan);
        Assert.Null(log.ReadySummary());
        foreach (var line in Log)
        {
            log.Observe(line);
        }

        Assert.Equal(110_112, Plan.KvCacheTokens);
        Assert.Equal(
            $"vLLM logged weights 37.09 GiB per GPU (plan {Plan.PerGpu.WeightsGiB:0.00}), KV cache memory 33.61 GiB (plan {Plan.PerGpu.KvCacheGiB:0.00}), "
            + "KV cache 110,112 tokens (plan 110,112).",
            log.ReadySummary());
    }

    [Fact]
    public void AKvCacheFarFromThePlanIsCalledOut()
    {
        var log = new VllmStartupLog(Plan);
        log.Observe("INFO 11-22 03:01:21 [kv_cache_utils.py:1087] GPU KV cache size: 88,000 tokens");

        Assert.Equal(
            "vLLM logged KV cache 88,000 tokens (plan 110,112). The KV cache differs from the plan by -20%: another process may hold GPU "
            + "memory, or the GPU is not the one planned for.",
            log.ReadySummary());
    }

    [Fact]
    public void LinesItDoesNotKnowChangeNothing()
    {
        var log = new VllmStartupLog(Plan);
        log.Observe("WARNING 11-22 03:00:01 [config.py:1] Model loading took a while");
        log.Observe("GPU KV cache size: lots of tokens");

        Assert.Null(log.Describe());
        Assert.Null(log.ReadySummary());
    }
}
