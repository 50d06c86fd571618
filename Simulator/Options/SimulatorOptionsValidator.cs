using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Profiles;
using Microsoft.Extensions.Options;

namespace Aspire70B.Simulator.Options;

/// <summary>Refuses to start on settings vLLM would refuse, or that make no sense.</summary>
internal sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!double.IsFinite(options.TimeScale) || options.TimeScale < 0)
        {
            failures.Add($"Simulator:TimeScale must be a finite number ≥ 0, got {options.TimeScale}.");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"Simulator:Mode must be one of {string.Join(", ", Enum.GetNames<SimulatorMode>())}.");
        }

        if (options.PrefillTokensPerSecond is { } prefill && !(prefill > 0 && double.IsFinite(prefill)))
        {
            failures.Add($"Simulator:PrefillTokensPerSecond must be positive, got {prefill}.");
        }

        if (options.DecodeTokensPerSecond is { } decode && !(decode > 0 && double.IsFinite(decode)))
        {
            failures.Add($"Simulator:DecodeTokensPerSecond must be positive, got {decode}.");
        }

        if (options.Modal.ProxyKey is { Length: > 0 } != options.Modal.ProxySecret is { Length: > 0 })
        {
            failures.Add("Simulator:Modal needs both ProxyKey and ProxySecret (--modal-proxy-key, --modal-proxy-secret).");
        }

        if (!(options.Modal.ColdStartSeconds >= 0 && double.IsFinite(options.Modal.ColdStartSeconds)))
        {
            failures.Add($"Simulator:Modal:ColdStartSeconds must be a finite number ≥ 0, got {options.Modal.ColdStartSeconds}.");
        }
        else if (options.Modal.ColdStartSeconds > 0 && !options.Modal.Enabled)
        {
            failures.Add("Simulator:Modal:ColdStartSeconds needs the Modal emulation on (--modal-proxy-key and --modal-proxy-secret).");
        }

        if (!(options.Modal.ResponseStartLimitSeconds > 0 && double.IsFinite(options.Modal.ResponseStartLimitSeconds)))
        {
            failures.Add($"Simulator:Modal:ResponseStartLimitSeconds must be a positive number, got {options.Modal.ResponseStartLimitSeconds}.");
        }

        try
        {
            var profile = DeploymentProfiles.Get(options.Profile);
            var plan = new Aspire70B.Serving.Planning.DeploymentPlanner().Plan(profile.ToPlanRequest());
            if (!plan.Feasible)
            {
                failures.Add($"Profile {profile.Name} would not start on vLLM: {string.Join(" ", plan.Reasons.Select(r => r.Message))}");
            }
        }
        catch (CatalogueException e)
        {
            failures.Add(e.Message);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
