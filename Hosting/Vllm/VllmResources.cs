using Aspire.Hosting.ApplicationModel;

namespace Aspire70B.Hosting.Vllm;

/// <summary><c>vllm serve</c> as a process of this machine, from a Python environment.</summary>
public sealed class VllmServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory)
{
    /// <summary>The resources that prepare the Python environment (created when no <c>vllm</c> was found), in order.</summary>
    public IReadOnlyList<IResource> EnvironmentSteps { get; internal set; } = [];
}

/// <summary>The pinned <c>vllm/vllm-openai</c> container, with every GPU and a volume for the Hugging Face cache.</summary>
public sealed class VllmContainerResource(string name) : ContainerResource(name);

/// <summary>A vLLM server this AppHost does not run: a Modal web endpoint or a server elsewhere.</summary>
public sealed class RemoteVllmResource(string name, Uri endpoint) : Resource(name)
{
    /// <summary>The server's base URL.</summary>
    public Uri Endpoint { get; } = endpoint;
}
