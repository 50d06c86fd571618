using System.Net;
using System.Text;
using System.Text.Json;
using Aspire70B.Batches;
using Microsoft.Extensions.Options;

namespace Aspire70B.Worker.BatchProcessing;

/// <summary>An item's output line and whether it counts as completed or failed.</summary>
/// <param name="Json">The JSONL line: <c>{"id","custom_id","response":{"status_code","request_id","body"},"error"}</c>.</param>
/// <param name="Succeeded">True for a 2xx answer.</param>
public sealed record BatchItemResult(string Json, bool Succeeded);

/// <summary>
/// Runs one batch item as a chat completion through the gateway (so templates, cache, limits and telemetry apply),
/// keeping the gateway's exact response body for the output. Transient failures are retried with backoff; an answer
/// that is the request's own fault (4xx) is recorded as that item's result; only an item that never got an answer
/// carries an <c>error</c>.
/// </summary>
public sealed partial class BatchItemExecutor(Gateway.GatewayClient gateway, IOptions<BatchWorkerOptions> options, TimeProvider time, ILogger<BatchItemExecutor> logger)
{
    /// <summary>Runs <paramref name="lease"/>'s request.</summary>
    public async Task<BatchItemResult> ExecuteAsync(WorkLease lease, Func<Task> renewLease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(renewLease);
        var settings = options.Value;
        string? lastError = null;
        for (var attempt = 1; attempt <= settings.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(settings.RetryDelay * Math.Pow(2, attempt - 2), time, cancellationToken);
                await renewLease();
            }

            try
            {
                using var content = new StringContent(lease.Body, Encoding.UTF8, "application/json");
                using var response = await gateway.SendAsync(HttpMethod.Post, "v1/chat/completions", content, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var status = (int)response.StatusCode;
                if (response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500)
                {
                    lastError = $"HTTP {status}";
                    LogRetrying(logger, lease.BatchId, lease.CustomId, attempt, lastError);
                    continue;
                }

                return new BatchItemResult(Line(lease, status, body, null), response.IsSuccessStatusCode);
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message;
                LogRetrying(logger, lease.BatchId, lease.CustomId, attempt, lastError);
            }
        }

        return new BatchItemResult(Line(lease, null, null, lastError ?? "no answer"), Succeeded: false);
    }

    private static string Line(WorkLease lease, int? status, string? body, string? error)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", "batch_req_" + Guid.NewGuid().ToString("N"));
            w.WriteString("custom_id", lease.CustomId);
            if (status is { } code)
            {
                w.WriteStartObject("response");
                w.WriteNumber("status_code", code);
                using var document = TryParse(body);
                if (document?.RootElement.TryGetProperty("id", out var id) == true && id.ValueKind == JsonValueKind.String)
                {
                    w.WriteString("request_id", id.GetString());
                }
                else
                {
                    w.WriteNull("request_id");
                }

                w.WritePropertyName("body");
                if (document is not null)
                {
                    document.RootElement.WriteTo(w);
                }
                else
                {
                    w.WriteStringValue(body);
                }

                w.WriteEndObject();
                w.WriteNull("error");
            }
            else
            {
                w.WriteNull("response");
                w.WriteStartObject("error");
                w.WriteString("code", "no_response");
                w.WriteString("message", $"The gateway did not answer: {error}");
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static JsonDocument? TryParse(string? body)
    {
        try
        {
            return body is null ? null : JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Batch {BatchId} item {CustomId}: attempt {Attempt} failed ({Reason})")]
    private static partial void LogRetrying(ILogger logger, string batchId, string customId, int attempt, string reason);
}
