using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire70B.Hosting.Vllm;
using Aspire70B.Serving.Profiles;

// GetArgumentValuesAsync/GetEnvironmentVariableValuesAsync resolve what DCP would be given, outside a running app.
#pragma warning disable CS0618

namespace Aspire70B.Hosting.Tests;

/// <summary>
/// The model resource per backend, read from the application model before anything runs: the vLLM argv and
/// environment, the container's arguments, the Python environment's steps, the connection strings (Modal's secrets
/// only as parameters, never as values).
/// </summary>
public sealed class ModelResourceTests
{
    private static readonly DeploymentProfile Profile = DeploymentProfiles.AwqInt4A100;

    [Fact]
    public async Task VllmRunsThePlannersArgvOnTheEndpointsPortWithTheKeyAndTheHubToken()
    {
        var builder = DistributedApplication.CreateBuilder();
        builder.Configuration["Parameters:hf-token"] = "hf_test";
        var key = builder.AddParameter("model-key", "sk-local", secret: true);
        var vllm = builder.AddVllm("vllm", Profile, "/opt/venv/bin/vllm").WithApiKey(key);
        var model = vllm.AddModel("model");
        Allocate(vllm.Resource, "http", 41233);

        var argv = await vllm.Resource.GetArgumentValuesAsync();
        var environment = await vllm.Resource.GetEnvironmentVariableValuesAsync();

        Assert.Equal("/opt/venv/bin/vllm", vllm.Resource.Command);
        Assert.Equal(GoldenServeLine(Profile.Name).Replace("--port 8000", "--port 41233", StringComparison.Ordinal), "vllm " + string.Join(' ', argv));
        Assert.Equal("sk-local", environment["VLLM_API_KEY"]);
        Assert.Equal("hf_test", environment["HF_TOKEN"]);
        Assert.True(builder.Resources.OfType<ParameterResource>().Single(p => p.Name == "hf-token").Secret);
        Assert.Empty(vllm.Resource.EnvironmentSteps);
        Assert.Equal("Endpoint=http://localhost:41233;Model=llama-3.1-70b-instruct;Key=sk-local", await model.Resource.ConnectionStringExpression.GetValueAsync(default));
        Assert.Equal("Endpoint={vllm.bindings.http.url};Model=llama-3.1-70b-instruct;Key={model-key.value}", model.Resource.ConnectionStringExpression.ValueExpression);
        Assert.Same(vllm.Resource, model.Resource.Parent);
    }

    [Fact]
    public void WithoutVllmAPythonEnvironmentIsMadeFirstAsResourcesOfItsOwn()
    {
        var builder = DistributedApplication.CreateBuilder();
        var vllm = builder.AddVllm("vllm", Profile, vllmExecutable: null, plan: null, findOnPath: _ => null);

        Assert.Equal(["vllm-venv", "vllm-install"], vllm.Resource.EnvironmentSteps.Select(r => r.Name));
        var venv = Assert.IsType<ExecutableResource>(vllm.Resource.EnvironmentSteps[0], exactMatch: false);
        var install = Assert.IsType<ExecutableResource>(vllm.Resource.EnvironmentSteps[1], exactMatch: false);
        Assert.Equal("python3", venv.Command);
        Assert.EndsWith("/.venv/bin/pip", install.Command, StringComparison.Ordinal);
        Assert.EndsWith("/.venv/bin/vllm", vllm.Resource.Command, StringComparison.Ordinal);
        Assert.Contains(install.Annotations.OfType<WaitAnnotation>(), w => w.Resource == venv && w.WaitType == WaitType.WaitForCompletion);
        Assert.Contains(vllm.Resource.Annotations.OfType<WaitAnnotation>(), w => w.Resource == install && w.WaitType == WaitType.WaitForCompletion);
        Assert.All(vllm.Resource.EnvironmentSteps, step =>
            Assert.Contains(step.Annotations.OfType<ResourceRelationshipAnnotation>(), r => r.Resource == vllm.Resource && r.Type == "Parent"));
    }

    [Fact]
    public async Task InstallPinsTheVllmVersionTheArgvWasWrittenFor()
    {
        var builder = DistributedApplication.CreateBuilder();
        var vllm = builder.AddVllm("vllm", Profile, vllmExecutable: null, plan: null, findOnPath: _ => null);

        var install = (ExecutableResource)vllm.Resource.EnvironmentSteps[1];
        Assert.Equal(["install", "vllm==0.11.0"], await install.GetArgumentValuesAsync());
    }

    [Fact]
    public async Task AsAContainerItIsThePinnedImageWithEveryGpuSharedMemoryAndAVolumeForTheWeights()
    {
        var builder = DistributedApplication.CreateBuilder();
        var container = builder.AddVllm("vllm", Profile, vllmExecutable: null, plan: null, findOnPath: _ => null).RunAsContainer();
        var model = container.AddModel("model");
        Allocate(container.Resource, "http", 41300);

        var image = container.Resource.Annotations.OfType<ContainerImageAnnotation>().Single();
        var args = await container.Resource.GetArgumentValuesAsync();
        var runtimeArgs = new List<object>();
        foreach (var callback in container.Resource.Annotations.OfType<ContainerRuntimeArgsCallbackAnnotation>())
        {
            await callback.Callback(new ContainerRuntimeArgsCallbackContext(runtimeArgs, default));
        }

        Assert.Equal(("vllm/vllm-openai", "v0.11.0"), (image.Image, image.Tag));
        var golden = GoldenDockerLine(Profile.Name);
        Assert.EndsWith(" vllm/vllm-openai:v0.11.0 " + string.Join(' ', args), golden, StringComparison.Ordinal);
        Assert.Equal(["--runtime", "nvidia", "--gpus", "all", "--ipc=host"], runtimeArgs.Cast<string>());
        var volume = container.Resource.Annotations.OfType<ContainerMountAnnotation>().Single();
        Assert.Equal(("aspire70b-huggingface", "/root/.cache/huggingface", ContainerMountType.Volume), (volume.Source, volume.Target, volume.Type));
        Assert.Equal(8000, container.Resource.Annotations.OfType<EndpointAnnotation>().Single().TargetPort);
        Assert.DoesNotContain(builder.Resources, r => r.Name is "vllm-venv" or "vllm-install");
        Assert.Single(builder.Resources, r => r.Name == "vllm");
        Assert.Equal("Endpoint=http://localhost:41300;Model=llama-3.1-70b-instruct", await model.Resource.ConnectionStringExpression.GetValueAsync(default));
    }

    [Fact]
    public async Task AReplicaOnSomeGpusSeesOnlyThemAndItsModelCarriesItsTierAndCapacity()
    {
        var builder = DistributedApplication.CreateBuilder();
        var vllm = builder.AddVllm("vllm-2", DeploymentProfiles.Bf16Tp2A100, "/opt/venv/bin/vllm").WithGpuDevices([2, 3]);
        var model = vllm.AddModel("model-2").AsReplica();
        Allocate(vllm.Resource, "http", 41234);

        var environment = await vllm.Resource.GetEnvironmentVariableValuesAsync();

        Assert.Equal("2,3", environment["CUDA_VISIBLE_DEVICES"]);
        Assert.Equal("Endpoint=http://localhost:41234;Model=llama-3.1-70b-instruct;Tier=Primary;MaxSequences=32", await model.Resource.ConnectionStringExpression.GetValueAsync(default));
        var properties = model.Resource.Annotations.OfType<ResourceSnapshotAnnotation>().Single().InitialSnapshot.Properties.ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal(("2,3", "Primary", "32"), (properties["vllm.gpus"], properties["aspire70b.replica.tier"], properties["aspire70b.replica.max_sequences"]));
        Assert.Equal("bf16-tp2-a100", properties["vllm.profile"]);
    }

    [Fact]
    public async Task AnOverflowReplicaStatesItsOwnCapacity()
    {
        var builder = DistributedApplication.CreateBuilder();
        var model = builder.AddExternalVllm("vllm-modal", Profile, new Uri("http://gpu-box:8000")).AddModel("model-modal").AsReplica(ModelReplicaTier.Overflow, 96);

        Assert.Equal("Endpoint=http://gpu-box:8000;Model=llama-3.1-70b-instruct;Tier=Overflow;MaxSequences=96", await model.Resource.ConnectionStringExpression.GetValueAsync(default));
        Assert.Equal((ModelReplicaTier.Overflow, 96), (model.Resource.Replica!.Tier, model.Resource.Replica.MaxSequences));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AsReplica(ModelReplicaTier.Primary, 0));
    }

    [Fact]
    public async Task AsAContainerAReplicaOnSomeGpusAsksDockerForThoseDevicesOnly()
    {
        var builder = DistributedApplication.CreateBuilder();
        var container = builder.AddVllm("vllm-1", Profile, "/opt/venv/bin/vllm").WithGpuDevices([0]).RunAsContainer();
        var runtimeArgs = new List<object>();
        foreach (var callback in container.Resource.Annotations.OfType<ContainerRuntimeArgsCallbackAnnotation>())
        {
            await callback.Callback(new ContainerRuntimeArgsCallbackContext(runtimeArgs, default));
        }

        Assert.Equal(["--runtime", "nvidia", "--gpus", "\"device=0\"", "--ipc=host"], runtimeArgs.Cast<string>());
        Assert.Equal([0], container.Resource.Annotations.OfType<VllmServerAnnotation>().Single().GpuDevices);
    }

    [Fact]
    public void GpuDevicesAreDistinctIndices()
    {
        var builder = DistributedApplication.CreateBuilder();
        var vllm = builder.AddVllm("vllm", Profile, "/opt/venv/bin/vllm");

        Assert.Throws<ArgumentException>(() => vllm.WithGpuDevices([]));
        Assert.Throws<ArgumentException>(() => vllm.WithGpuDevices([1, 1]));
        Assert.Throws<ArgumentException>(() => vllm.WithGpuDevices([-1]));
    }

    [Fact]
    public async Task ModalIsAnEndpointWithTheProxyTokenAsSecretParameters()
    {
        var builder = DistributedApplication.CreateBuilder();
        builder.Configuration["Parameters:modal-key"] = "wk-abc";
        builder.Configuration["Parameters:modal-secret"] = "ws-def";
        var modal = builder.AddModalVllm("vllm", Profile, new Uri("https://acme--aspire70b-awq-int4-a100-serve.modal.run/"));
        var model = modal.AddModel("model");

        var key = builder.Resources.OfType<ParameterResource>().Single(p => p.Name == "modal-key");
        var secret = builder.Resources.OfType<ParameterResource>().Single(p => p.Name == "modal-secret");
        Assert.True(key.Secret);
        Assert.True(secret.Secret);
        Assert.Equal(
            "Endpoint=https://acme--aspire70b-awq-int4-a100-serve.modal.run;Model=llama-3.1-70b-instruct;ModalKey={modal-key.value};ModalSecret={modal-secret.value}",
            model.Resource.ConnectionStringExpression.ValueExpression);
        Assert.Equal(
            "Endpoint=https://acme--aspire70b-awq-int4-a100-serve.modal.run;Model=llama-3.1-70b-instruct;ModalKey=wk-abc;ModalSecret=ws-def",
            await model.Resource.ConnectionStringExpression.GetValueAsync(default));
        Assert.Equal(VllmServerKind.Modal, model.Resource.Server.Kind);
        // The container's own start-up limit (10 min + 10 s per GiB of weights), and five minutes to be scheduled.
        Assert.Equal(TimeSpan.FromMinutes(21) + TimeSpan.FromSeconds(20), model.Resource.Server.StartupTimeout);
        Assert.IsNotAssignableFrom<IResourceWithArgs>(modal.Resource);
    }

    [Fact]
    public void ModalWithoutAStoredDeploymentSaysHowToMakeOne()
    {
        var folder = Directory.CreateTempSubdirectory("aspire70b-hosting-");
        try
        {
            var builder = DistributedApplication.CreateBuilder();

            var error = Assert.Throws<InvalidOperationException>(() => builder.AddModalVllm("vllm", DeploymentProfiles.Get("fp8-h100"), configDirectory: folder.FullName));

            Assert.Equal(
                $"No Modal deployment of fp8-h100 is recorded in {folder.FullName}/modal-deployments.json. Deploy it first (aspire70b deploy modal --profile fp8-h100), or give its URL.",
                error.Message);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AnExternalServerIsItsUrlAndItsKey()
    {
        var builder = DistributedApplication.CreateBuilder();
        var key = builder.AddParameter("model-key", "sk-remote", secret: true);
        var model = builder.AddExternalVllm("vllm", Profile, new Uri("http://gpu-box:8000/"), key).AddModel("model");

        Assert.Equal("Endpoint=http://gpu-box:8000;Model=llama-3.1-70b-instruct;Key=sk-remote", await model.Resource.ConnectionStringExpression.GetValueAsync(default));
        Assert.Equal(VllmServerKind.External, model.Resource.Server.Kind);
    }

    [Fact]
    public void AModelNeedsAVllmServerUnderneath()
    {
        var builder = DistributedApplication.CreateBuilder();
        var other = builder.AddExecutable("other", "sleep", ".", "1");

        var error = Assert.Throws<InvalidOperationException>(() => other.AddModel("model"));

        Assert.Equal("other is not a vLLM server (add it with AddVllm, AddVllmSimulator, AddModalVllm or AddExternalVllm).", error.Message);
    }

    [Fact]
    public void TheModelResourceHasThePlanAndWarmUpCommandsAndAHealthCheck()
    {
        var builder = DistributedApplication.CreateBuilder();
        var model = builder.AddExternalVllm("vllm", Profile, new Uri("http://gpu-box:8000")).AddModel("model");

        Assert.Equal(["show-plan", "warm-up", "show-load"], model.Resource.Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name));
        Assert.Equal(["Show plan", "Warm up", "Show load"], model.Resource.Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.DisplayName));
        Assert.Single(model.Resource.Annotations.OfType<HealthCheckAnnotation>());
    }

    [Fact]
    public void TheLoadIsReadFromTheServersMetricsForItsModel()
    {
        const string metrics = """
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{model_name="llama-3.1-70b-instruct",engine="0"} 3.0
            vllm:num_requests_running{model_name="llama-3.1-70b-instruct",engine="1"} 1.0
            vllm:num_requests_running{model_name="other",engine="0"} 50.0
            vllm:num_requests_waiting{model_name="llama-3.1-70b-instruct",engine="0"} 2.0
            vllm:kv_cache_usage_perc{model_name="llama-3.1-70b-instruct",engine="0"} 0.125
            vllm:kv_cache_usage_perc{model_name="llama-3.1-70b-instruct",engine="1"} 0.25
            vllm:prefix_cache_queries_total{model_name="llama-3.1-70b-instruct",engine="0"} 12000.0
            vllm:prefix_cache_hits_total{model_name="llama-3.1-70b-instruct",engine="0"} 3000.0
            """;

        var load = VllmLoad.Parse(metrics, "llama-3.1-70b-instruct");

        Assert.Equal(new VllmLoad(4, 2, 0.25, 12000, 3000), load);
        Assert.Equal("Load: 4 running, 2 waiting, KV cache 25.0 % used, prefix cache 25.0 % hit (3,000 of 12,000 queried tokens).", load.Describe());
        Assert.Equal(0.5, VllmLoad.Parse("vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.5\n", "m").KvCacheUsage);
        Assert.Equal("Load: 0 running, 0 waiting, KV cache usage not reported, prefix cache not queried yet.", VllmLoad.Parse("", "m").Describe());
    }

    [Fact]
    public async Task AsAContainerTheServerKeepsItsApiKey()
    {
        var builder = DistributedApplication.CreateBuilder();
        var key = builder.AddParameter("model-key", "sk-local", secret: true);
        var container = builder.AddVllm("vllm", Profile, "/opt/venv/bin/vllm").WithApiKey(key).RunAsContainer();
        var model = container.AddModel("model");
        Allocate(container.Resource, "http", 41301);

        var environment = await container.Resource.GetEnvironmentVariableValuesAsync();

        Assert.Equal("sk-local", environment["VLLM_API_KEY"]);
        Assert.Equal("Endpoint=http://localhost:41301;Model=llama-3.1-70b-instruct;Key=sk-local", await model.Resource.ConnectionStringExpression.GetValueAsync(default));
    }

    [Fact]
    public void AColdStartSaysHowLongItHasWaitedOfHowLong()
    {
        Assert.Equal("Cold start: waited 3 min 07 s of 35 min", VllmModelStartup.ColdStartState(TimeSpan.FromSeconds(187), TimeSpan.FromMinutes(35)));
        Assert.Equal("Cold start: waited 0 min 00 s of 35 min", VllmModelStartup.ColdStartState(TimeSpan.Zero, TimeSpan.FromMinutes(35)));
    }

    private static void Allocate(IResourceWithEndpoints resource, string name, int port)
    {
        var endpoint = resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == name);
        endpoint.TargetPort ??= port;
        endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", port);
    }

    private static string[] Golden(string profile)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Aspire70B.sln")))
        {
            dir = dir.Parent;
        }

        var lines = File.ReadAllLines(Path.Combine(dir.FullName, "tests", "Serving.Tests", "Data", "vllm-launch.golden.txt"));
        var at = Array.IndexOf(lines, "# " + profile);
        return [lines[at + 1], lines[at + 2]];
    }

    private static string GoldenServeLine(string profile) => Golden(profile)[0];

    private static string GoldenDockerLine(string profile) => Golden(profile)[1];
}
