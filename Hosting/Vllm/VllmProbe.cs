using System.Net;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;

namespace Aspire70B.Hosting.Vllm;

/// <summary>What one look at the server found.</summary>
/// <param name="Ready">It answers <c>/health</c> and lists the model.</param>
/// <param name="Fatal">Waiting longer cannot help (a refused key, a missing Modal app): the message says what to fix.</param>
/// <param name="Detail">What was seen, for the log and the resource state.</param>
internal sealed record ProbeResult(bool Ready, bool Fatal, string Detail)
{
    public static ProbeResult NotYet(string detail) => new(false, false, detail);
}

/// <summary>
/// Looks at a vLLM-compatible server as its clients will: <c>GET /health</c>, then <c>GET /v1/models</c> listing the
/// served model, with the bearer key and (on Modal) the proxy-auth headers.
/// </summary>
internal sealed class VllmProbe(VllmModelResource model, HttpClient http)
{
    public async Task<ProbeResult> ProbeAsync(TimeSpan attemptTimeout, CancellationToken cancellationToken)
    {
        // The address is known once Aspire has allocated the endpoint: wait for that as long as the caller does, and
        // give only the HTTP exchange the attempt's time.
        var baseUrl = (await model.Server.Endpoint.GetValueAsync(cancellationToken))?.TrimEnd('/') ?? "";
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(attemptTimeout);
        try
        {
            using (var health = await SendAsync(baseUrl + "/health", attempt.Token))
            {
                if (Refusal(health) is { } refused)
                {
                    return refused;
                }

                if (!health.IsSuccessStatusCode)
                {
                    return ProbeResult.NotYet($"/health answered {(int)health.StatusCode}");
                }
            }

            using var models = await SendAsync(baseUrl + "/v1/models", attempt.Token);
            if (Refusal(models) is { } refusedModels)
            {
                return refusedModels;
            }

            if (!models.IsSuccessStatusCode)
            {
                return ProbeResult.NotYet($"/v1/models answered {(int)models.StatusCode}");
            }

            using var body = JsonDocument.Parse(await models.Content.ReadAsStreamAsync(attempt.Token));
            var served = body.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
                ? data.EnumerateArray().Select(m => m.TryGetProperty("id", out var id) ? id.GetString() : null).ToList()
                : [];
            return served.Contains(model.ModelName)
                ? new ProbeResult(true, false, "ready")
                : new ProbeResult(false, true,
                    $"The server at {baseUrl} serves [{string.Join(", ", served)}], not {model.ModelName}: it runs another profile or model.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.NotYet($"no answer within {attemptTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            return ProbeResult.NotYet(e.Message);
        }
        catch (JsonException e)
        {
            return ProbeResult.NotYet($"/v1/models is not JSON ({e.Message})");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var server = model.Server;
        if (server.ApiKey is { } key && await key.GetValueAsync(cancellationToken) is { Length: > 0 } token)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        if (server.ModalToken is { } modal)
        {
            request.Headers.Add("Modal-Key", await modal.Key.GetValueAsync(cancellationToken));
            request.Headers.Add("Modal-Secret", await modal.Secret.GetValueAsync(cancellationToken));
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private ProbeResult? Refusal(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var modal = model.Server.Kind == VllmServerKind.Modal;
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when modal => new(false, true,
                $"Modal refused the proxy-auth token ({status}). Set the parameters modal-key/modal-secret (user secrets: "
                + "'dotnet user-secrets set Parameters:modal-key wk-… --project AppHost', or MODAL_KEY/MODAL_SECRET) to a token from "
                + "https://modal.com/settings/proxy-auth-tokens."),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new(false, true,
                $"The server refused the API key ({status}): the model resource's key must be the server's VLLM_API_KEY."),
            HttpStatusCode.NotFound when modal => new(false, true,
                $"No Modal app answers at {response.RequestMessage?.RequestUri} ({status}). Deploy it again: "
                + $"aspire70b deploy modal --profile {model.Server.Profile.Name}"),
            _ => null,
        };
    }
}
