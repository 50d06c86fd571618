using Aspire.Hosting.ApplicationModel;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;

namespace Aspire70B.Hosting.Vllm;

/// <summary>Where a vLLM-compatible server runs.</summary>
public enum VllmServerKind
{
    /// <summary><c>vllm serve</c> from a Python environment on this machine.</summary>
    Local,

    /// <summary>The pinned <c>vllm/vllm-openai</c> container with every GPU.</summary>
    Container,

    /// <summary>The vLLM simulator (no GPU).</summary>
    Simulator,

    /// <summary>vLLM in a Modal web endpoint, behind Modal's proxy auth.</summary>
    Modal,

    /// <summary>A server that runs elsewhere.</summary>
    External,
}

/// <summary>
/// Marks a resource as a vLLM-compatible server and says what a model resource on it needs: the profile it serves,
/// the plan checked before start, its base URL, the credentials its clients send, and how long it may take to start.
/// </summary>
public sealed class VllmServerAnnotation(VllmServerKind kind, DeploymentProfile profile, DeploymentPlan plan, ReferenceExpression endpoint) : IResourceAnnotation
{
    /// <summary>Where the server runs.</summary>
    public VllmServerKind Kind { get; } = kind;

    /// <summary>The deployment profile served.</summary>
    public DeploymentProfile Profile { get; } = profile;

    /// <summary>The plan checked before start; vLLM's logged figures are set against it.</summary>
    public DeploymentPlan Plan { get; } = plan;

    /// <summary>The server's base URL (<c>http://host:port</c>, no trailing slash).</summary>
    public ReferenceExpression Endpoint { get; } = endpoint;

    /// <summary>The API key clients send as a bearer token (<c>VLLM_API_KEY</c>), if any.</summary>
    public ParameterResource? ApiKey { get; set; }

    /// <summary>Modal's proxy-auth token, sent as <c>Modal-Key</c>/<c>Modal-Secret</c>, for <see cref="VllmServerKind.Modal"/>.</summary>
    public (ParameterResource Key, ParameterResource Secret)? ModalToken { get; set; }

    /// <summary>The GPUs (CUDA device indices) the server is given, or empty for every GPU of the machine.</summary>
    public IReadOnlyList<int> GpuDevices { get; set; } = [];

    /// <summary>How long the model may take to answer after the server starts.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
