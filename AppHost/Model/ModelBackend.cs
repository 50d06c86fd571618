namespace Aspire70B.AppHost.Model;

/// <summary>Which model server the system runs against.</summary>
internal enum ModelBackend
{
    /// <summary>The Simulator: vLLM's HTTP surface with the profile's latency and capacity, no GPU.</summary>
    Simulator,

    /// <summary>vLLM on this machine's GPUs: <c>vllm serve</c> from PATH, or the pinned container when Docker answers.</summary>
    Vllm,

    /// <summary>A server that already runs elsewhere (<c>--model-endpoint</c>).</summary>
    External,

    /// <summary>The profile's vLLM server on Modal, at the URL <c>deploy modal</c> stored, with a proxy-auth token.</summary>
    Modal,
}
