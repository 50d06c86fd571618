using System.Text.Json;

namespace Aspire70B.Simulator.Tests.Infrastructure;

/// <summary>Reading response JSON in assertions.</summary>
public static class Json
{
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static string Text(JsonElement response, int choice = 0) =>
        response.GetProperty("choices")[choice].TryGetProperty("text", out var text)
            ? text.GetString()!
            : response.GetProperty("choices")[choice].GetProperty("message").GetProperty("content").GetString()!;

    public static string? FinishReason(JsonElement response, int choice = 0) =>
        response.GetProperty("choices")[choice].GetProperty("finish_reason").GetString();

    public static int Usage(JsonElement response, string field) => response.GetProperty("usage").GetProperty(field).GetInt32();
}
