using Aspire.Hosting.ApplicationModel;

namespace Aspire70B.Hosting.Vllm;

/// <summary>
/// The model a vLLM-compatible server serves. Others reference it for the connection string
/// <c>Endpoint=…;Model=…[;Key=…][;ModalKey=…;ModalSecret=…][;Tier=…;MaxSequences=N]</c> (the last two for a replica
/// among several, <see cref="ModelReplicaAnnotation"/>); it is running and healthy only once the server answers
/// <c>/health</c> and lists the model on <c>/v1/models</c>, so <c>WaitFor(model)</c> holds its dependents until then.
/// </summary>
/// <remarks>
/// The dashboard shows it under its server (a parent relationship), but it is deliberately not an
/// <c>IResourceWithParent</c>: Aspire copies a parent's lifecycle states onto such children, which would overwrite the
/// model's own state (its start-up stage, then Running only once the model answers) with the process's.
/// </remarks>
public sealed class VllmModelResource(string name, IResource server, VllmServerAnnotation serverInfo)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    /// <summary>The server resource.</summary>
    public IResource Parent { get; } = server;

    /// <summary>What the server is and serves.</summary>
    public VllmServerAnnotation Server { get; } = serverInfo;

    /// <summary>The name clients put in <c>model</c> (vLLM's <c>--served-model-name</c>).</summary>
    public string ModelName => Server.Profile.ServedModelName;

    /// <summary>The replica's tier and capacity when it is one of several models behind the gateway, else null.</summary>
    public ModelReplicaAnnotation? Replica => Annotations.OfType<ModelReplicaAnnotation>().LastOrDefault();

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            builder.Append($"Endpoint={Server.Endpoint};Model={ModelName}");
            if (Server.ApiKey is { } key)
            {
                builder.Append($";Key={key}");
            }

            if (Server.ModalToken is { } modal)
            {
                builder.Append($";ModalKey={modal.Key};ModalSecret={modal.Secret}");
            }

            if (Replica is { } replica)
            {
                builder.AppendLiteral(replica.ConnectionStringSuffix);
            }

            return builder.Build();
        }
    }
}
