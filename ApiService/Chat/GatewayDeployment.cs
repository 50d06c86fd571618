using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Templates;
using Microsoft.Extensions.Options;

namespace Aspire70B.ApiService.Chat;

/// <summary>The deployment the gateway serves: its profile, the profile's plan and chat template. Immutable.</summary>
internal sealed class GatewayDeployment
{
    public GatewayDeployment(IOptions<GatewayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Profile = DeploymentProfiles.Get(options.Value.Profile);
        Plan = new DeploymentPlanner().Plan(Profile.ToPlanRequest());
        Template = ChatTemplates.Get(Profile.ChatTemplateId);
        DefaultMaxTokens = options.Value.DefaultMaxTokens;
        SpecialTokens = options.Value.SpecialTokens;
    }

    public DeploymentProfile Profile { get; }

    public DeploymentPlan Plan { get; }

    public IChatTemplate Template { get; }

    public string ServedModelName => Profile.ServedModelName;

    public int MaxModelLen => Profile.MaxModelLen;

    public int DefaultMaxTokens { get; }

    public SpecialTokenPolicy SpecialTokens { get; }
}
