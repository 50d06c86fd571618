using System.Globalization;
using System.Net;
using Aspire70B.AppHost.Hosting;

namespace Aspire70B.AppHost.Modal;

/// <summary>
/// Readiness of a vLLM server behind a Modal web endpoint: <c>GET /health</c> with the proxy-auth headers. While a
/// container cold-starts Modal holds the request, so each attempt is given <see cref="AttemptTimeout"/> and a silent one
/// means "still starting". A refused token (401/403) or a stopped or missing app (404) ends the wait at once with what
/// to do, instead of spending the whole start-up timeout. Also reports what the last attempt saw, for progress lines.
/// </summary>
internal sealed class ModalReadinessCheck : IReadinessCheck, IStartupProgress
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private readonly ModalCredentials _credentials;
    private readonly string _coldStart;
    private readonly string _redeploy;
    private readonly Lock _gate = new();
    private string? _lastSeen;
    private int _attempts;

    public ModalReadinessCheck(Uri healthUrl, ModalCredentials credentials, double weightsGiBPerGpu, string profile)
    {
        Url = healthUrl;
        _credentials = credentials;
        _coldStart = string.Create(CultureInfo.InvariantCulture,
            $"a Modal container is starting and vLLM loads {weightsGiBPerGpu:0.#} GiB of weights per GPU");
        _redeploy = $"dotnet run --project AppHost -- deploy modal --profile {profile}";
    }

    public Uri Url { get; }

    /// <summary>How long one attempt may wait for an answer Modal is holding back.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(AttemptTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        request.Headers.Add("Modal-Key", _credentials.Key);
        request.Headers.Add("Modal-Secret", _credentials.Secret);
        try
        {
            using var response = await Http.SendAsync(request, attempt.Token);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            var body = Shorten(await response.Content.ReadAsStringAsync(attempt.Token));
            var status = (int)response.StatusCode;
            switch (response.StatusCode)
            {
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    throw new ResourceFailedException(
                        $"Modal refused the proxy-auth token ({status}: {body}). Check {ModalCredentials.KeyVariable}/{ModalCredentials.SecretVariable} "
                        + $"(or {ModalCredentials.KeyParameter}/{ModalCredentials.SecretParameter} in user secrets) against https://modal.com/settings/proxy-auth-tokens.");
                case HttpStatusCode.NotFound:
                    throw new ResourceFailedException($"No Modal app answers at {Url} ({status}: {body}). Deploy it again: {_redeploy}");
                default:
                    Seen(string.Create(CultureInfo.InvariantCulture, $"{_coldStart}; the last check got {status}{(body.Length > 0 ? ": " + body : "")}"));
                    return false;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Seen(string.Create(CultureInfo.InvariantCulture, $"{_coldStart}; Modal held the last check for {AttemptTimeout.TotalSeconds:0} s"));
            return false;
        }
        catch (HttpRequestException e)
        {
            Seen($"{_coldStart}; the last check failed: {e.Message}");
            return false;
        }
    }

    public void Observe(string line)
    {
        // No process: everything known comes from the checks.
    }

    public string? Describe()
    {
        lock (_gate)
        {
            return _lastSeen is null ? _coldStart : string.Create(CultureInfo.InvariantCulture, $"{_lastSeen} ({_attempts} checks)");
        }
    }

    public string? ReadySummary() => null;

    private void Seen(string what)
    {
        lock (_gate)
        {
            _lastSeen = what;
            _attempts++;
        }
    }

    private static string Shorten(string body)
    {
        var line = body.ReplaceLineEndings(" ").Trim();
        return line.Length <= 200 ? line : line[..200] + "…";
    }
}
