using System.CommandLine;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Aspire70B.Serving.Catalogue;
using Aspire70B.Serving.Planning;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.Cli.Commands;

/// <summary>
/// <c>deploy modal --profile P</c>: plans the profile, writes its Modal deployment spec (built in C# from the same
/// profile) and runs <c>modal deploy ModelServer/modal_app.py</c>, capturing the endpoint URL into user configuration.
/// </summary>
internal static partial class DeployCommand
{
    public static Command Create(CliContext context)
    {
        var profileOption = new Option<string>("--profile") { Description = "The deployment profile.", DefaultValueFactory = _ => DeploymentProfiles.Default.Name, HelpName = "name" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Write the spec and print the command, deploy nothing." };
        var specPath = new Option<FileInfo?>("--spec") { Description = "Where to write the spec (default: ModelServer/profile.json).", HelpName = "path" };
        var modalPath = new Option<FileInfo?>("--modal") { Description = "The Modal CLI to run (default: modal on PATH).", HelpName = "path" };
        var configDir = new Option<DirectoryInfo?>("--config-dir") { Description = "Where the endpoint URL is stored (default: ASPIRE70B_CONFIG_DIR, else the user's configuration folder).", HelpName = "path" };
        var modal = new Command("modal", "Deploy a profile's vLLM server to Modal.") { profileOption, dryRun, specPath, modalPath, configDir };
        modal.SetAction(parse => Run(
            context, parse.GetValue(profileOption)!, parse.GetValue(dryRun), parse.GetValue(specPath), parse.GetValue(modalPath), parse.GetValue(configDir)));
        return new Command("deploy", "Deploy the model server.") { modal };
    }

    private static int Run(CliContext context, string profileName, bool dryRun, FileInfo? specFile, FileInfo? modalFile, DirectoryInfo? configDir)
    {
        DeploymentProfile profile;
        ModalDeploymentSpec spec;
        try
        {
            profile = DeploymentProfiles.Get(profileName);
            spec = ModalDeploymentSpec.For(profile);
        }
        catch (CatalogueException e)
        {
            context.Error.WriteLine(e.Message);
            return ExitCodes.Usage;
        }

        var plan = new DeploymentPlanner().Plan(profile.ToPlanRequest());
        if (!plan.Feasible)
        {
            context.Error.WriteLine($"Profile {profile.Name} would not start on {profile.GpuCount} × {profile.Gpu.Id}:");
            foreach (var reason in plan.Reasons)
            {
                context.Error.WriteLine($"  - {reason.Message}");
            }

            foreach (var suggestion in plan.Suggestions)
            {
                context.Error.WriteLine($"  try: {suggestion.Description}");
            }

            return ExitCodes.Failure;
        }

        var files = ModelServerFiles.Locate(Directory.GetCurrentDirectory(), AppContext.BaseDirectory);
        var app = files.App;
        var specPath = specFile?.FullName ?? files.DefaultSpecPath(ModalDeployments.Open(configDir?.FullName).FilePath);
        Directory.CreateDirectory(Path.GetDirectoryName(specPath)!);
        File.WriteAllText(specPath, spec.ToJson());
        context.Out.WriteLine($"Wrote the Modal spec of {profile.Name} to {specPath}: {spec.Gpu}, vLLM {spec.VllmVersion}, app {spec.AppName}.");
        context.Out.WriteLine($"  vLLM in the container: {VllmLaunch.ToShellCommand(spec.VllmCommand)}");
        foreach (var line in spec.ScalingLines(GpuPriceTable.ModalDefaults))
        {
            context.Out.WriteLine(line);
        }

        context.Out.WriteLine($"  ASPIRE70B_MODAL_SPEC={specPath} modal deploy {app}");
        if (dryRun)
        {
            return ExitCodes.Success;
        }

        var modal = modalFile?.FullName ?? ModelServerFiles.FindOnPath("modal");
        if (modal is null || !File.Exists(modal))
        {
            context.Error.WriteLine("The Modal CLI is not installed. Install it with 'pip install -r ModelServer/requirements.txt', sign in with 'modal token new', and run this again.");
            return ExitCodes.Failure;
        }

        var start = new ProcessStartInfo(modal) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("deploy");
        start.ArgumentList.Add(app);
        start.Environment["ASPIRE70B_MODAL_SPEC"] = specPath;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("modal did not start");
        Uri? url = null;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                context.Error.WriteLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            context.Out.WriteLine(line);
            url ??= EndpointUrl(line);
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            context.Error.WriteLine($"modal deploy failed with exit code {process.ExitCode}.");
            return ExitCodes.Failure;
        }

        if (url is null)
        {
            context.Error.WriteLine("modal deploy succeeded but printed no *.modal.run URL; find it in Modal's dashboard.");
            return ExitCodes.Failure;
        }

        var deployments = ModalDeployments.Open(configDir?.FullName);
        deployments.Save(profile.Name, url);
        context.Out.WriteLine($"Deployed {profile.Name} at {url.ToString().TrimEnd('/')} (saved in {deployments.FilePath}).");
        context.Out.WriteLine($"Run the system against it: dotnet run --project AppHost -- --backend modal --profile {profile.Name}");
        context.Out.WriteLine($"Or use it as the overflow tier of local replicas: dotnet run --project AppHost -- --replicas 2 --overflow modal --profile {profile.Name}");
        return ExitCodes.Success;
    }

    /// <summary>
    /// The web endpoint in a line of <c>modal deploy</c>'s output: the URL after <c>=&gt;</c> (as in
    /// <c>Created web function serve =&gt; https://…modal.run</c>, custom domains included), else any *.modal.run URL.
    /// </summary>
    internal static Uri? EndpointUrl(string line)
    {
        var match = Arrow().Match(line);
        if (!match.Success)
        {
            match = ModalUrl().Match(line);
        }

        return match.Success && Uri.TryCreate(match.Groups["url"].Value, UriKind.Absolute, out var uri) ? uri : null;
    }

    [GeneratedRegex(@"=>\s*(?<url>https?://\S+)")]
    private static partial Regex Arrow();

    [GeneratedRegex(@"(?<url>https://[A-Za-z0-9.-]+\.modal\.run\S*)")]
    private static partial Regex ModalUrl();
}
