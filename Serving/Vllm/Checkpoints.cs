using Aspire70B.Serving.Catalogue;

namespace Aspire70B.Serving.Vllm;

/// <summary>Known Hugging Face checkpoints for a catalogue model in a quantization format.</summary>
public static class Checkpoints
{
    private static readonly Dictionary<(string Model, string Quantization), string> Known = new()
    {
        [("llama-3.1-70b-instruct", "bf16")] = "meta-llama/Llama-3.1-70B-Instruct",
        [("llama-3.1-70b-instruct", "fp16")] = "meta-llama/Llama-3.1-70B-Instruct",
        [("llama-3.1-70b-instruct", "fp8-online")] = "meta-llama/Llama-3.1-70B-Instruct",
        [("llama-3.1-70b-instruct", "fp8")] = "RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8",
        [("llama-3.1-70b-instruct", "int8")] = "RedHatAI/Meta-Llama-3.1-70B-Instruct-quantized.w8a8",
        [("llama-3.1-70b-instruct", "awq-int4")] = "hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4",
        [("llama-3.1-70b-instruct", "gptq-int4")] = "hugging-quants/Meta-Llama-3.1-70B-Instruct-GPTQ-INT4",
        [("llama-3.1-8b-instruct", "bf16")] = "meta-llama/Llama-3.1-8B-Instruct",
        [("llama-3.1-8b-instruct", "fp16")] = "meta-llama/Llama-3.1-8B-Instruct",
        [("llama-3.1-8b-instruct", "fp8-online")] = "meta-llama/Llama-3.1-8B-Instruct",
        [("llama-3.1-8b-instruct", "fp8")] = "RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8",
        [("llama-3.1-8b-instruct", "int8")] = "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8",
        [("llama-3.1-8b-instruct", "awq-int4")] = "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
        [("llama-3.1-8b-instruct", "gptq-int4")] = "hugging-quants/Meta-Llama-3.1-8B-Instruct-GPTQ-INT4",
        [("llama-2-70b-chat", "bf16")] = "meta-llama/Llama-2-70b-chat-hf",
        [("llama-2-70b-chat", "fp16")] = "meta-llama/Llama-2-70b-chat-hf",
        [("llama-2-70b-chat", "fp8-online")] = "meta-llama/Llama-2-70b-chat-hf",
        [("llama-2-70b-chat", "awq-int4")] = "TheBloke/Llama-2-70B-Chat-AWQ",
        [("llama-2-70b-chat", "gptq-int4")] = "TheBloke/Llama-2-70B-Chat-GPTQ",
    };

    /// <summary>The checkpoint for <paramref name="model"/> in <paramref name="quantization"/>, or null when none is known.</summary>
    public static string? Find(ModelArchitecture model, QuantizationFormat quantization)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(quantization);
        return Known.GetValueOrDefault((model.Id, quantization.Id));
    }
}
