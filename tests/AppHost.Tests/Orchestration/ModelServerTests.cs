using Aspire70B.AppHost.Hosting;
using Aspire70B.AppHost.Modal;
using Aspire70B.AppHost.Model;
using Aspire70B.Serving.Profiles;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.AppHost.Tests.Orchestration;

/// <summary>The model resource per backend: what is launched, what others receive, how readiness is checked.</summary>
public sealed class ModelServerTests
{
    private static DistributedApplicationBuilder Builder() =>
        new(new HostPaths("/repo", "Release", "/usr/bin/dotnet"), new ResourceConsole(TextWriter.Null, color: false));

    [Fact]
    public void VllmFromAPythonEnvironmentGetsServingsArgvOnAFreeLoopbackPort()
    {
        var profile = DeploymentProfiles.AwqInt4A100;
        var model = Builder().AddModelServer("model", new ModelServerSpec(ModelBackend.Vllm, profile, 1, null, "secret", new VllmRuntime("/opt/venv/bin/vllm", Docker: false))).Resource;
        var port = model.Endpoint!.Port;

        Assert.Equal("/opt/venv/bin/vllm", model.Launch!.FileName);
        Assert.Equal(VllmLaunch.ServeArguments(profile, new VllmListenOptions("127.0.0.1", port)).Skip(1), model.Launch.Arguments);
        Assert.Equal("secret", model.Environment["VLLM_API_KEY"]);
        Assert.Equal($"Endpoint=http://127.0.0.1:{port};Model=llama-3.1-70b-instruct;Key=secret", model.ConnectionString);
        Assert.Equal(new Uri($"http://127.0.0.1:{port}/health"), Assert.IsType<HttpReadinessCheck>(model.Readiness).Url);
        Assert.Equal(TimeSpan.FromMinutes(30), model.StartupTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), model.ProgressInterval);
        Assert.IsType<VllmStartupLog>(model.Progress);
    }

    [Fact]
    public void ModalIsConnectedWithTheProxyAuthTokenAndWaitedForThroughAColdStart()
    {
        var profile = DeploymentProfiles.AwqInt4A100;
        var spec = new ModelServerSpec(ModelBackend.Modal, profile, 1, new Uri("https://acme--aspire70b-awq-int4-a100-serve.modal.run"), null, null)
        {
            Modal = new ModalCredentials("wk-1", "ws-2"),
        };

        var model = Builder().AddModelServer("model", spec).Resource;

        Assert.Null(model.Launch);
        Assert.Equal("Modal (awq-int4-a100)", model.Source);
        Assert.Equal(
            "Endpoint=https://acme--aspire70b-awq-int4-a100-serve.modal.run;Model=llama-3.1-70b-instruct;ModalKey=wk-1;ModalSecret=ws-2",
            model.ConnectionString);
        var check = Assert.IsType<ModalReadinessCheck>(model.Readiness);
        Assert.Equal(new Uri("https://acme--aspire70b-awq-int4-a100-serve.modal.run/health"), check.Url);
        Assert.Same(check, model.Progress);
        Assert.Equal("a Modal container is starting and vLLM loads 37.1 GiB of weights per GPU", check.Describe());
        // The container's own start-up timeout (ModalDeploymentSpec: 10 min + 10 s per GiB of weights) and 5 min more.
        Assert.Equal(ModalDeploymentSpec.For(profile).StartupTimeout + TimeSpan.FromMinutes(5), model.StartupTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), model.ProgressInterval);
    }

    [Fact]
    public void VllmInThePinnedContainerWhenOnlyDockerIsThere()
    {
        var profile = DeploymentProfiles.Fp8H100;
        var model = Builder().AddModelServer("model", new ModelServerSpec(ModelBackend.Vllm, profile, 1, null, null, new VllmRuntime(null, Docker: true))).Resource;
        var argv = new[] { model.Launch!.FileName }.Concat(model.Launch.Arguments).ToList();

        Assert.Equal("docker", argv[0]);
        Assert.Contains(VllmLaunch.DockerImage, argv);
        Assert.Contains("--gpus", argv);
        Assert.Contains($"127.0.0.1:{model.Endpoint!.Port}:8000", argv);
    }

    [Fact]
    public void TheSimulatorRunsFromItsBuildOutputWithTheProfile()
    {
        var model = Builder().AddModelServer("model", new ModelServerSpec(ModelBackend.Simulator, DeploymentProfiles.Int8A100, 0.5, null, null, null)).Resource;

        Assert.Equal("/usr/bin/dotnet", model.Launch!.FileName);
        Assert.Equal(["/repo/Simulator/bin/Release/net10.0/Aspire70B.Simulator.dll"], model.Launch.Arguments);
        Assert.Equal("int8-a100", model.Environment["Simulator__Profile"]);
        Assert.Equal("0.5", model.Environment["Simulator__TimeScale"]);
        Assert.Equal($"http://127.0.0.1:{model.Endpoint!.Port}", model.Environment["ASPNETCORE_URLS"]);
    }

    [Fact]
    public void AnExternalServerStartsNothingAndIsGivenAsItIs()
    {
        var model = Builder().AddModelServer("model", new ModelServerSpec(ModelBackend.External, DeploymentProfiles.AwqInt4A100, 1, new Uri("https://gpu-box.example:8443/"), "k", null)).Resource;

        Assert.Null(model.Launch);
        Assert.Equal("Endpoint=https://gpu-box.example:8443;Model=llama-3.1-70b-instruct;Key=k", model.ConnectionString);
        Assert.Equal(new Uri("https://gpu-box.example:8443/health"), Assert.IsType<HttpReadinessCheck>(model.Readiness).Url);
    }
}
