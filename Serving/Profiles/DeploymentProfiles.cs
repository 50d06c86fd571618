using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;

namespace Aspire70B.Serving.Profiles;

/// <summary>The named deployments Aspire70B ships. Each corrected profile is proven feasible by the planner's tests.</summary>
public static class DeploymentProfiles
{
    private const string Llama31Template = "llama-3.1-instruct";
    private const string Llama2Template = "llama-2-chat";

    /// <summary>The default profile.</summary>
    public static DeploymentProfile AwqInt4A100 { get; } = new()
    {
        Name = "awq-int4-a100",
        Description = "Llama 3.1 70B Instruct, AWQ INT4, on one A100 80GB: the cheapest way to serve the 70B.",
        ServedModelName = "llama-3.1-70b-instruct",
        HuggingFaceRepo = "hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4",
        AlternativeRepos =
        [
            "casperhansen/llama-3-70b-instruct-awq (the original guide's choice: Llama 3, not 3.1 — 8K context and the Llama 3 chat template; plan with --max-model-len 8192)",
        ],
        Model = ModelCatalog.Llama31Instruct70B,
        Quantization = QuantizationCatalog.AwqInt4,
        ChatTemplateId = Llama31Template,
        Gpu = GpuCatalog.Get("A100-80GB"),
        GpuMemoryUtilization = 0.90,
        MaxModelLen = 16384,
        MaxNumSeqs = 32,
    };

    /// <summary>FP8 on one H100, corrected so that vLLM starts.</summary>
    public static DeploymentProfile Fp8H100 { get; } = new()
    {
        Name = "fp8-h100",
        Description = "Llama 3.1 70B Instruct, pre-quantized FP8 (W8A8), on one H100 80GB: utilization 0.95 and an FP8 KV cache make room for the cache.",
        ServedModelName = "llama-3.1-70b-instruct",
        HuggingFaceRepo = "RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8",
        Model = ModelCatalog.Llama31Instruct70B,
        Quantization = QuantizationCatalog.Fp8,
        ChatTemplateId = Llama31Template,
        Gpu = GpuCatalog.Get("H100-80GB"),
        GpuMemoryUtilization = 0.95,
        MaxModelLen = 16384,
        KvCacheDtype = KvCacheDtype.Fp8,
        MaxNumSeqs = 16,
    };

    /// <summary>The original guide's FP8 settings, which vLLM refuses.</summary>
    public static DeploymentProfile Fp8H100Guide { get; } = Fp8H100 with
    {
        Name = "fp8-h100-guide",
        Description = "The original guide's FP8 settings (utilization 0.85): refused by vLLM — the weights alone exceed the budget. Use fp8-h100.",
        GpuMemoryUtilization = 0.85,
        MaxModelLen = 8192,
        KvCacheDtype = KvCacheDtype.Auto,
        MaxNumSeqs = null,
        GuideVariantOf = "fp8-h100",
    };

    /// <summary>BF16 over two A100s.</summary>
    public static DeploymentProfile Bf16Tp2A100 { get; } = new()
    {
        Name = "bf16-tp2-a100",
        Description = "Llama 3.1 70B Instruct, BF16 (no quantization), tensor-parallel over two A100 80GB: reference quality, twice the GPUs.",
        ServedModelName = "llama-3.1-70b-instruct",
        HuggingFaceRepo = "meta-llama/Llama-3.1-70B-Instruct",
        Model = ModelCatalog.Llama31Instruct70B,
        Quantization = QuantizationCatalog.Bf16,
        ChatTemplateId = Llama31Template,
        Gpu = GpuCatalog.Get("A100-80GB"),
        GpuCount = 2,
        GpuMemoryUtilization = 0.92,
        MaxModelLen = 16384,
        MaxNumSeqs = 32,
    };

    /// <summary>The original guide's BF16 settings.</summary>
    public static DeploymentProfile Bf16Tp2A100Guide { get; } = Bf16Tp2A100 with
    {
        Name = "bf16-tp2-a100-guide",
        Description = "The original guide's BF16 settings (utilization 0.9, 8K context, vLLM's scheduler defaults). They start only because vLLM gives A100s small scheduler defaults (2048 tokens, 256 sequences); with H100-class defaults (8192, 1024) the KV cache is under 1K tokens and vLLM refuses. Use bf16-tp2-a100.",
        GpuMemoryUtilization = 0.90,
        MaxModelLen = 8192,
        MaxNumSeqs = null,
        GuideVariantOf = "bf16-tp2-a100",
    };

    /// <summary>INT8 W8A8 on one A100.</summary>
    public static DeploymentProfile Int8A100 { get; } = new()
    {
        Name = "int8-a100",
        Description = "Llama 3.1 70B Instruct, INT8 W8A8, on one A100 80GB: INT8 tensor cores run natively on Ampere.",
        ServedModelName = "llama-3.1-70b-instruct",
        HuggingFaceRepo = "RedHatAI/Meta-Llama-3.1-70B-Instruct-quantized.w8a8",
        Model = ModelCatalog.Llama31Instruct70B,
        Quantization = QuantizationCatalog.Int8W8A8,
        ChatTemplateId = Llama31Template,
        Gpu = GpuCatalog.Get("A100-80GB"),
        GpuMemoryUtilization = 0.95,
        MaxModelLen = 8192,
        MaxNumSeqs = 16,
    };

    /// <summary>Llama 2 70B Chat, AWQ, on one A100.</summary>
    public static DeploymentProfile AwqLlama2A100 { get; } = new()
    {
        Name = "awq-llama2-a100",
        Description = "Llama 2 70B Chat, AWQ INT4, on one A100 80GB (4K context, the Llama 2 chat template).",
        ServedModelName = "llama-2-70b-chat",
        HuggingFaceRepo = "TheBloke/Llama-2-70B-Chat-AWQ",
        Model = ModelCatalog.Llama2Chat70B,
        Quantization = QuantizationCatalog.AwqInt4,
        ChatTemplateId = Llama2Template,
        Gpu = GpuCatalog.Get("A100-80GB"),
        GpuMemoryUtilization = 0.90,
        MaxModelLen = 4096,
        MaxNumSeqs = 64,
    };

    /// <summary>Llama 2 70B Chat, GPTQ, on one A100.</summary>
    public static DeploymentProfile GptqLlama2A100 { get; } = AwqLlama2A100 with
    {
        Name = "gptq-llama2-a100",
        Description = "Llama 2 70B Chat, GPTQ INT4, on one A100 80GB (4K context, the Llama 2 chat template).",
        HuggingFaceRepo = "TheBloke/Llama-2-70B-Chat-GPTQ",
        Quantization = QuantizationCatalog.GptqInt4,
    };

    /// <summary>Every profile, the guide's variants after the profiles that correct them.</summary>
    public static IReadOnlyList<DeploymentProfile> All { get; } =
        [AwqInt4A100, Fp8H100, Fp8H100Guide, Bf16Tp2A100, Bf16Tp2A100Guide, Int8A100, AwqLlama2A100, GptqLlama2A100];

    /// <summary>The profile AppHost uses when none is named.</summary>
    public static DeploymentProfile Default => AwqInt4A100;

    /// <summary>Finds a profile by name (case-insensitive).</summary>
    /// <exception cref="CatalogueException">The name is unknown; the message lists the valid names.</exception>
    public static DeploymentProfile Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw CatalogueException.Unknown("profile", name, All.Select(p => p.Name));
}
