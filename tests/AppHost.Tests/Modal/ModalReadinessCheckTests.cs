using Aspire70B.AppHost.Hosting;
using Aspire70B.AppHost.Modal;
using Aspire70B.TestSupport;

namespace Aspire70B.AppHost.Tests.Modal;

/// <summary>The Modal readiness check against the Simulator answering as a Modal endpoint (a real process on loopback).</summary>
public sealed class ModalReadinessCheckTests
{
    private static readonly ModalCredentials Token = new("wk-check", "ws-check");

    private static Task<ServiceProcess> ModalAsync(double coldStartSeconds = 0) => ServiceProcess.StartUntilOutputAsync(
        "Simulator",
        ["--profile", "awq-int4-a100", "--time-scale", "0", "--modal-proxy-key", Token.Key, "--modal-proxy-secret", Token.Secret,
         "--modal-cold-start", coldStartSeconds.ToString(global::System.Globalization.CultureInfo.InvariantCulture)],
        new Dictionary<string, string>(),
        "Now listening on");

    private static ModalReadinessCheck Check(ServiceProcess modal, ModalCredentials token, string path = "health") =>
        new(new Uri(modal.BaseAddress, path), token, 37.04, "awq-int4-a100") { AttemptTimeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task TheRightTokenMakesItReady()
    {
        await using var modal = await ModalAsync();

        Assert.True(await Check(modal, Token).IsReadyAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ARefusedTokenEndsTheWaitWithWhatToCheck()
    {
        await using var modal = await ModalAsync();

        var error = await Assert.ThrowsAsync<ResourceFailedException>(() => Check(modal, Token with { Secret = "ws-wrong" }).IsReadyAsync(CancellationToken.None));

        Assert.Equal(
            "Modal refused the proxy-auth token (401: modal-http: invalid credentials for proxy authorization). Check MODAL_KEY/MODAL_SECRET "
            + "(or Parameters:modal-key/Parameters:modal-secret in user secrets) against https://modal.com/settings/proxy-auth-tokens.",
            error.Message);
    }

    [Fact]
    public async Task NoAppAtTheUrlEndsTheWaitWithTheDeployCommand()
    {
        await using var modal = await ModalAsync();

        var error = await Assert.ThrowsAsync<ResourceFailedException>(() => Check(modal, Token, "no-such-app/health").IsReadyAsync(CancellationToken.None));

        Assert.Equal(
            $"No Modal app answers at {modal.BaseAddress}no-such-app/health (404: {{\"detail\":\"Not Found\"}}). Deploy it again: dotnet run --project AppHost -- deploy modal --profile awq-int4-a100",
            error.Message);
    }

    [Fact]
    public async Task AHeldCheckDuringAColdStartIsNotReadyAndSaysSo()
    {
        await using var modal = await ModalAsync(coldStartSeconds: 30);
        var check = Check(modal, Token);

        Assert.False(await check.IsReadyAsync(CancellationToken.None));
        Assert.Equal(
            "a Modal container is starting and vLLM loads 37 GiB of weights per GPU; Modal held the last check for 1 s (1 checks)",
            check.Describe());
    }

    [Fact]
    public async Task NothingListeningIsNotReadyYet()
    {
        var port = Hosting.PortAllocator.FreePort();
        var check = new ModalReadinessCheck(new Uri($"http://127.0.0.1:{port}/health"), Token, 37.04, "awq-int4-a100");

        Assert.False(await check.IsReadyAsync(CancellationToken.None));
        Assert.StartsWith("a Modal container is starting and vLLM loads 37 GiB of weights per GPU; the last check failed: ", check.Describe(), StringComparison.Ordinal);
    }
}
