using Aspire70B.Hosting.Vllm;
using Aspire70B.Serving.Vllm;

namespace Aspire70B.AppHost.Tests;

/// <summary>
/// <c>--replicas N</c> and <c>--overflow modal</c> in the AppHost's map, read before anything starts: the resources,
/// each model's connection string (tier and capacity), each vLLM's GPUs, and what the gateway is given and waits for.
/// </summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReplicaTests
{
    private const string ModelName = "llama-3.1-70b-instruct";

    [Fact]
    public async Task OneReplicaIsTodaysMapUnchanged()
    {
        using var timeout = new CancellationTokenSource(TestApp.Bound);
        await using var app = await AppHostModel.CreateAsync(["--replicas", "1"], timeout.Token);

        var model = app.Resource<VllmModelResource>("model");
        Assert.Equal(["model"], app.Builder.Resources.OfType<VllmModelResource>().Select(m => m.Name));
        Assert.Same(app.Resource<IResource>("vllm"), model.Parent);
        Assert.Equal($"Endpoint={{vllm.bindings.http.url}};Model={ModelName}", model.ConnectionStringExpression.ValueExpression);
        Assert.Null(model.Replica);
        var gateway = await ModelConnectionStringsAsync(app, timeout.Token);
        Assert.Equal(["ConnectionStrings__model"], gateway.Keys);
        Assert.Same(model, gateway["ConnectionStrings__model"]);
        Assert.Equal(["model"], WaitsFor(app));
    }

    [Fact]
    public async Task TwoReplicasAreTwoSimulatorsWhoseModelsTheGatewayGetsAndWaitsFor()
    {
        using var timeout = new CancellationTokenSource(TestApp.Bound);
        await using var app = await AppHostModel.CreateAsync(["--replicas", "2"], timeout.Token);

        Assert.Equal(["model-1", "model-2"], app.Builder.Resources.OfType<VllmModelResource>().Select(m => m.Name));
        Assert.DoesNotContain(app.Builder.Resources, r => r.Name is "vllm" or "model");
        foreach (var replica in new[] { 1, 2 })
        {
            var model = app.Resource<VllmModelResource>($"model-{replica}");
            var server = app.Resource<ProjectResource>($"vllm-{replica}");
            Assert.Same(server, model.Parent);
            Assert.Equal(VllmServerKind.Simulator, model.Server.Kind);
            // awq-int4-a100 runs at most 32 sequences at once (its max_num_seqs).
            Assert.Equal($"Endpoint={{vllm-{replica}.bindings.http.url}};Model={ModelName};Tier=Primary;MaxSequences=32", model.ConnectionStringExpression.ValueExpression);
            var properties = InitialProperties(model);
            Assert.Equal(("Primary", "32"), (properties["aspire70b.replica.tier"], properties["aspire70b.replica.max_sequences"]));
            var environment = await AppHostModel.EnvironmentOfAsync(server, timeout.Token);
            Assert.Equal("awq-int4-a100", environment["Simulator__Profile"]);
        }

        var gateway = await ModelConnectionStringsAsync(app, timeout.Token);
        // Aspire also sets an underscore copy of a hyphenated name (model_1) for tools that cannot read a hyphen in a
        // variable's name; the gateway takes only "model" and "model-…" (the replica contract), so each replica once.
        Assert.Equal(
            ["ConnectionStrings__model-1", "ConnectionStrings__model-2", "ConnectionStrings__model_1", "ConnectionStrings__model_2"],
            gateway.Keys.Order(StringComparer.Ordinal));
        Assert.Same(app.Resource<VllmModelResource>("model-1"), gateway["ConnectionStrings__model-1"]);
        Assert.Same(app.Resource<VllmModelResource>("model-2"), gateway["ConnectionStrings__model-2"]);
        Assert.Same(app.Resource<VllmModelResource>("model-1"), gateway["ConnectionStrings__model_1"]);
        Assert.Equal(["model-1", "model-2"], WaitsFor(app));
    }

    [Fact]
    public async Task EachVllmReplicaRunsOnItsOwnGpusPlannedOnThem()
    {
        using var fakes = new FakeTools();
        fakes.Add("nvidia-smi", string.Join('\n', Enumerable.Repeat("echo 'NVIDIA A100-SXM4-80GB, 81920 MiB'", 4)));
        using var timeout = new CancellationTokenSource(TestApp.Bound);
        await using var app = await AppHostModel.CreateAsync(
            ["--backend", "vllm", "--replicas", "2", "--profile", "bf16-tp2-a100", "--vllm", fakes.PathOf("vllm"), "--nvidia-smi", fakes.PathOf("nvidia-smi")],
            timeout.Token);

        var devices = new List<string>();
        foreach (var replica in new[] { 1, 2 })
        {
            var server = app.Resource<VllmServerResource>($"vllm-{replica}");
            var model = app.Resource<VllmModelResource>($"model-{replica}");
            var environment = await AppHostModel.EnvironmentOfAsync(server, timeout.Token);
            devices.Add((string)environment["CUDA_VISIBLE_DEVICES"]);
            Assert.Equal(fakes.PathOf("vllm"), server.Command);
            Assert.Equal("A100-80GB", model.Server.Plan.Request.Gpu.Id);
            Assert.True(model.Server.Plan.Feasible);
            Assert.Equal(devices[^1], InitialProperties(model)["vllm.gpus"]);
            Assert.Equal($"Endpoint={{vllm-{replica}.bindings.http.url}};Model={ModelName};Tier=Primary;MaxSequences=32", model.ConnectionStringExpression.ValueExpression);
        }

        Assert.Equal(["0,1", "2,3"], devices);
    }

    [Fact]
    public async Task WithoutVllmTheReplicasShareOnePythonEnvironmentMadeOnce()
    {
        using var fakes = new FakeTools();
        fakes.Add("nvidia-smi", "echo 'NVIDIA A100-SXM4-80GB, 81920 MiB'\necho 'NVIDIA A100-SXM4-80GB, 81920 MiB'");
        using var timeout = new CancellationTokenSource(TestApp.Bound);
        await using var app = await AppHostModel.CreateAsync(["--backend", "vllm", "--replicas", "2", "--nvidia-smi", fakes.PathOf("nvidia-smi")], timeout.Token);
        var first = app.Resource<VllmServerResource>("vllm-1");
        var second = app.Resource<VllmServerResource>("vllm-2");

        // The second replica runs the first's vllm and makes no environment of its own; where the first makes one
        // (no vllm on this machine's PATH nor in the .venv), the second waits until it is installed.
        Assert.Empty(second.EnvironmentSteps);
        Assert.Equal(first.Command, second.Command);
        Assert.DoesNotContain(app.Builder.Resources, r => r.Name.StartsWith("vllm-2-", StringComparison.Ordinal));
        if (first.EnvironmentSteps.Count > 0)
        {
            Assert.Equal(["vllm-1-venv", "vllm-1-install"], first.EnvironmentSteps.Select(r => r.Name));
            Assert.Contains(second.Annotations.OfType<WaitAnnotation>(), w => w.Resource == first.EnvironmentSteps[1] && w.WaitType == WaitType.WaitForCompletion);
        }
    }

    [Fact]
    public async Task OneVllmReplicaIsNotConfinedToSomeGpus()
    {
        using var fakes = new FakeTools();
        fakes.Add("nvidia-smi", string.Join('\n', Enumerable.Repeat("echo 'NVIDIA A100-SXM4-80GB, 81920 MiB'", 4)));
        using var timeout = new CancellationTokenSource(TestApp.Bound);
        await using var app = await AppHostModel.CreateAsync(
            ["--backend", "vllm", "--vllm", fakes.PathOf("vllm"), "--nvidia-smi", fakes.PathOf("nvidia-smi")], timeout.Token);

        var environment = await AppHostModel.EnvironmentOfAsync(app.Resource<VllmServerResource>("vllm"), timeout.Token);

        Assert.DoesNotContain("CUDA_VISIBLE_DEVICES", environment.Keys);
        Assert.Equal($"Endpoint={{vllm.bindings.http.url}};Model={ModelName}", app.Resource<VllmModelResource>("model").ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task OverflowModalIsTheStoredDeploymentAsAnOverflowModelTheGatewayGetsButDoesNotWaitFor()
    {
        using var fakes = new FakeTools();
        const string url = "https://acme--aspire70b-awq-int4-a100-serve.modal.run";
        ModalDeployments.Open(fakes.PathOf("config")).Save("awq-int4-a100", new Uri(url));
        using var timeout = new CancellationTokenSource(TestApp.Bound);
        await using var app = await AppHostModel.CreateAsync(
            ["--overflow", "modal", "--config-dir", fakes.PathOf("config"), "--Parameters:modal-key", "wk-abc", "--Parameters:modal-secret", "ws-def"],
            timeout.Token);

        var local = app.Resource<VllmModelResource>("model");
        var modal = app.Resource<VllmModelResource>("model-modal");
        Assert.Equal($"Endpoint={{vllm.bindings.http.url}};Model={ModelName};Tier=Primary;MaxSequences=32", local.ConnectionStringExpression.ValueExpression);
        // Modal's capacity: max_containers (the profile's, 1) containers of max_num_seqs (32) concurrent inputs each.
        var spec = ModalDeploymentSpec.For(Aspire70B.Serving.Profiles.DeploymentProfiles.AwqInt4A100);
        Assert.Equal((32, 1), (spec.MaxConcurrentInputs, spec.MaxContainers));
        Assert.Equal(
            $"Endpoint={url};Model={ModelName};ModalKey={{modal-key.value}};ModalSecret={{modal-secret.value}};Tier=Overflow;MaxSequences=32",
            modal.ConnectionStringExpression.ValueExpression);
        Assert.Equal(VllmServerKind.Modal, modal.Server.Kind);
        Assert.Same(app.Resource<RemoteVllmResource>("vllm-modal"), modal.Parent);
        Assert.Equal("Overflow", InitialProperties(modal)["aspire70b.replica.tier"]);
        // No periodic health check, which would keep a Modal container awake; the local model keeps its own.
        Assert.Empty(modal.Annotations.OfType<HealthCheckAnnotation>());
        Assert.Single(local.Annotations.OfType<HealthCheckAnnotation>());
        var gateway = await ModelConnectionStringsAsync(app, timeout.Token);
        Assert.Equal(["ConnectionStrings__model", "ConnectionStrings__model-modal", "ConnectionStrings__model_modal"], gateway.Keys.Order(StringComparer.Ordinal));
        Assert.Same(modal, gateway["ConnectionStrings__model-modal"]);
        Assert.Equal(["model"], WaitsFor(app));
    }

    /// <summary>The gateway's <c>ConnectionStrings__model*</c> variables and the resource each one refers to.</summary>
    private static async Task<Dictionary<string, IResourceWithConnectionString>> ModelConnectionStringsAsync(AppHostModel app, CancellationToken cancellationToken)
    {
        var environment = await AppHostModel.EnvironmentOfAsync(app.Resource<ProjectResource>("apiservice"), cancellationToken);
        return environment.Where(e => e.Key.StartsWith("ConnectionStrings__model", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => Assert.IsType<ConnectionStringReference>(e.Value).Resource);
    }

    /// <summary>The models the gateway waits for before it starts.</summary>
    private static IEnumerable<string> WaitsFor(AppHostModel app) =>
        app.Resource<ProjectResource>("apiservice").Annotations.OfType<WaitAnnotation>().Select(w => w.Resource).OfType<VllmModelResource>().Select(m => m.Name).Order(StringComparer.Ordinal);

    private static Dictionary<string, object> InitialProperties(VllmModelResource model) =>
        model.Annotations.OfType<ResourceSnapshotAnnotation>().Single().InitialSnapshot.Properties.ToDictionary(p => p.Name, p => p.Value!);
}
