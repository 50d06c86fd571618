using System.Text.Json;

namespace Aspire70B.Cli.Tests;

public sealed class PlanCommandTests
{
    private static readonly string[] PlanFields =
    [
        "feasible", "reasons", "suggestions", "model", "quantization", "gpu", "tensorParallelSize", "gpuMemoryUtilization",
        "maxModelLen", "kvCacheDtype", "perGpu", "kvBytesPerToken", "kvCacheTokens", "maxConcurrency",
        "decodeTokensPerSecondCeiling", "decodeTokensPerSecondEstimate", "costPerHourUsd", "costPerMillionOutputTokensUsd", "vllmArgs",
    ];

    private static JsonElement Json(CliRunner.Outcome result)
    {
        Assert.True(result.ExitCode == 0, result.Error);
        return JsonDocument.Parse(result.Out).RootElement;
    }

    [Fact]
    public void JsonCarriesEveryContractFieldWithTheProfilesNumbers()
    {
        var plan = Json(CliRunner.Run("plan", "--profile", "awq-int4-a100", "--json"));

        foreach (var field in PlanFields)
        {
            Assert.True(plan.TryGetProperty(field, out _), $"missing '{field}'");
        }

        foreach (var field in new[] { "totalGiB", "budgetGiB", "weightsGiB", "activationGiB", "nonTorchGiB", "kvCacheGiB" })
        {
            Assert.Equal(JsonValueKind.Number, plan.GetProperty("perGpu").GetProperty(field).ValueKind);
        }

        Assert.True(plan.GetProperty("feasible").GetBoolean());
        Assert.Equal("llama-3.1-70b-instruct", plan.GetProperty("model").GetString());
        Assert.Equal("awq-int4", plan.GetProperty("quantization").GetString());
        Assert.Equal("A100-80GB", plan.GetProperty("gpu").GetString());
        Assert.Equal(1, plan.GetProperty("tensorParallelSize").GetInt32());
        Assert.Equal(0.9, plan.GetProperty("gpuMemoryUtilization").GetDouble());
        Assert.Equal(16384, plan.GetProperty("maxModelLen").GetInt32());
        Assert.Equal("auto", plan.GetProperty("kvCacheDtype").GetString());
        Assert.Equal(327680, plan.GetProperty("kvBytesPerToken").GetInt64());
        Assert.Equal(79.15, plan.GetProperty("perGpu").GetProperty("totalGiB").GetDouble());
        Assert.Equal(2.5, plan.GetProperty("costPerHourUsd").GetDouble());
        Assert.Equal(0, plan.GetProperty("kvCacheTokens").GetInt64() % 16);
        Assert.Equal("vllm", plan.GetProperty("vllmArgs")[0].GetString());
        Assert.Equal("hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4", plan.GetProperty("vllmArgs")[2].GetString());
        Assert.Empty(plan.GetProperty("reasons").EnumerateArray());
    }

    [Fact]
    public void OptionsOverrideTheProfile()
    {
        var plan = Json(CliRunner.Run(
            "plan", "--profile", "awq-int4-a100", "--gpu", "H100", "--gpus", "2", "--gpu-memory-utilization", "0.8",
            "--max-model-len", "4096", "--kv-cache-dtype", "fp8", "--json"));

        Assert.Equal("H100-80GB", plan.GetProperty("gpu").GetString());
        Assert.Equal(2, plan.GetProperty("tensorParallelSize").GetInt32());
        Assert.Equal(0.8, plan.GetProperty("gpuMemoryUtilization").GetDouble());
        Assert.Equal(4096, plan.GetProperty("maxModelLen").GetInt32());
        Assert.Equal("fp8", plan.GetProperty("kvCacheDtype").GetString());
        Assert.Equal(80 * 4 * 128 * 2, plan.GetProperty("kvBytesPerToken").GetInt64());
    }

    [Fact]
    public void AnInfeasiblePlanPrintsReasonsAndSuggestionsWhoseArgumentsMakeItStart()
    {
        var plan = Json(CliRunner.Run("plan", "--profile", "fp8-h100-guide", "--json"));

        Assert.False(plan.GetProperty("feasible").GetBoolean());
        Assert.StartsWith("No available memory for the cache blocks", plan.GetProperty("reasons")[0].GetString(), StringComparison.Ordinal);
        var suggestions = plan.GetProperty("suggestions").EnumerateArray().ToList();
        Assert.NotEmpty(suggestions);
        foreach (var suggestion in suggestions)
        {
            var arguments = suggestion.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()!).ToArray();
            var applied = Json(CliRunner.Run(["plan", "--profile", "fp8-h100-guide", .. arguments, "--json"]));
            Assert.True(applied.GetProperty("feasible").GetBoolean(), string.Join(' ', arguments));
            Assert.Equal(suggestion.GetProperty("kvCacheTokens").GetInt64(), applied.GetProperty("kvCacheTokens").GetInt64());
        }
    }

    [Fact]
    public void CheckExitsWithOneWhenVllmWouldRefuse()
    {
        Assert.Equal(1, CliRunner.Run("plan", "--profile", "fp8-h100-guide", "--check").ExitCode);
        Assert.Equal(0, CliRunner.Run("plan", "--profile", "fp8-h100", "--check").ExitCode);
        Assert.Equal(0, CliRunner.Run("plan", "--profile", "fp8-h100-guide").ExitCode);
    }

    [Fact]
    public void TheTextReportLeadsWithTheVerdictAndEndsWithTheLaunchCommand()
    {
        var result = CliRunner.Run("plan", "--profile", "fp8-h100-guide");
        var lines = result.Out.TrimEnd().Split('\n');

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Plan: llama-3.1-70b-instruct · fp8 · 1 × H100-80GB · vLLM 0.11.0", lines[0]);
        Assert.Equal("Verdict: vLLM refuses to start", lines[1]);
        Assert.Contains("budget (× 0.85)              67.30", result.Out, StringComparison.Ordinal);
        Assert.Contains("weights                      67.72", result.Out, StringComparison.Ordinal);
        Assert.Contains("Why vLLM would refuse:", result.Out, StringComparison.Ordinal);
        Assert.Contains("[--gpu-memory-utilization 0.95]", result.Out, StringComparison.Ordinal);
        Assert.StartsWith("vllm serve RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8 ", lines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--model", "gpt-4", "Unknown model 'gpt-4'. Valid values: llama-3.1-70b-instruct, llama-3.1-8b-instruct, llama-2-70b-chat.")]
    [InlineData("--quantization", "int3", "Unknown quantization 'int3'. Valid values: bf16, fp16, fp8, fp8-online, int8, awq-int4, gptq-int4.")]
    [InlineData("--gpu", "X100", "Unknown GPU 'X100'. Valid values: A100-40GB, A100-80GB, A100-80GB-PCIe, H100-80GB, H100-PCIe, H100-NVL-94GB, H200-141GB, L40S-48GB, L4-24GB, A10G-24GB, RTX-3090-24GB, RTX-PRO-6000-96GB, B200-192GB.")]
    public void AnUnknownNameExitsWithTwoAndListsTheValidValues(string option, string value, string message)
    {
        var result = CliRunner.Run("plan", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Error.TrimEnd());
        Assert.Empty(result.Out);
    }

    [Theory]
    [InlineData("--gpu-memory-utilization", "abc", "--gpu-memory-utilization expects a number, got 'abc'.")]
    [InlineData("--gpu-memory-utilization", "1.5", "Invalid value for --gpu-memory-utilization: 1.5. The GPU memory utilization must be in (0, 1].")]
    [InlineData("--gpus", "two", "--gpus expects a whole number, got 'two'.")]
    [InlineData("--gpus", "0", "Invalid value for --gpus: 0. The GPU count must be between 1 and 64.")]
    [InlineData("--max-model-len", "-5", "Invalid value for --max-model-len: -5. The context length must be at least 1.")]
    [InlineData("--kv-cache-memory-gib", "-1", "Invalid value for --kv-cache-memory-gib: -1. The KV-cache memory must be a non-negative number of GiB.")]
    [InlineData("--gpu-memory-gib", "0", "--gpu-memory-gib must be a positive number of GiB, got 0.")]
    public void ABadNumberExitsWithTwoAndNamesTheOption(string option, string value, string message)
    {
        var result = CliRunner.Run("plan", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AConfigJsonGivenByPathIsPlannedLikeTheCatalogueModel()
    {
        var folder = Directory.CreateTempSubdirectory("aspire70b-config-");
        try
        {
            var path = Path.Combine(folder.FullName, "config.json");
            File.WriteAllText(path, """
                {"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":4096,"intermediate_size":14336,
                 "num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"vocab_size":128256,
                 "max_position_embeddings":131072,"rope_scaling":{"rope_type":"llama3","factor":8.0},"tie_word_embeddings":false,
                 "torch_dtype":"bfloat16"}
                """);

            var fromConfig = Json(CliRunner.Run("plan", "--config", path, "--gpu", "H100", "--max-model-len", "16000", "--json"));
            var fromCatalogue = Json(CliRunner.Run("plan", "--model", "llama-3.1-8b-instruct", "--gpu", "H100", "--max-model-len", "16000", "--json"));

            Assert.Equal(fromCatalogue.GetProperty("perGpu").GetRawText(), fromConfig.GetProperty("perGpu").GetRawText());
            Assert.Equal(fromCatalogue.GetProperty("kvCacheTokens").GetInt64(), fromConfig.GetProperty("kvCacheTokens").GetInt64());
            Assert.Equal(folder.Name, fromConfig.GetProperty("model").GetString());
            Assert.Equal(14.99, fromConfig.GetProperty("perGpu").GetProperty("weightsGiB").GetDouble(), 2);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void AConfigThatIsNotALlamaDecoderExitsWithTwo()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"model_type":"gpt2","n_embd":768}""");
            var result = CliRunner.Run("plan", "--config", path);

            Assert.Equal(2, result.ExitCode);
            Assert.Contains("has model_type 'gpt2'; the planner models Llama-family decoders (model_type llama, mistral, qwen2, qwen3)", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ACustomGpuAnswersTheHundredGigabyteQuestion()
    {
        var plan = Json(CliRunner.Run("plan", "--model", "llama-3.1-70b-instruct", "--quantization", "fp8", "--gpu-memory-gib", "100",
            "--gpu-bandwidth-tbps", "3.35", "--max-model-len", "8192", "--json"));

        Assert.True(plan.GetProperty("feasible").GetBoolean());
        Assert.Equal("custom-100GiB", plan.GetProperty("gpu").GetString());
        Assert.Equal(100, plan.GetProperty("perGpu").GetProperty("totalGiB").GetDouble());
        Assert.Equal(47.44, plan.GetProperty("decodeTokensPerSecondCeiling").GetDouble(), 2);
        Assert.Equal(JsonValueKind.Null, plan.GetProperty("costPerHourUsd").ValueKind);
    }

    [Fact]
    public void TheKvCacheMemoryOptionBypassesProfilingAsVllmDoes()
    {
        var plan = Json(CliRunner.Run("plan", "--model", "llama-3.1-8b-instruct", "--gpu", "RTX-3090-24GB", "--max-model-len", "20000",
            "--kv-cache-memory-gib", "3.8125", "--json"));

        Assert.Equal(1952 * 16, plan.GetProperty("kvCacheTokens").GetInt64());
        Assert.Equal(1.5616, plan.GetProperty("maxConcurrency").GetDouble());
        Assert.Contains("--kv-cache-memory-bytes", plan.GetProperty("vllmArgs").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task TheBuiltProgramPlansAsItsOwnProcess()
    {
        var result = await CliRunner.RunProcessAsync("plan", "--profile", "fp8-h100-guide", "--json");

        Assert.Equal(0, result.ExitCode);
        var plan = JsonDocument.Parse(result.Out).RootElement;
        Assert.False(plan.GetProperty("feasible").GetBoolean());

        var usage = await CliRunner.RunProcessAsync("plan", "--gpu", "nope");
        Assert.Equal(2, usage.ExitCode);
        Assert.StartsWith("Unknown GPU 'nope'.", usage.Error, StringComparison.Ordinal);
    }
}
