using System.Globalization;
using System.Text.Json;
using Aspire70B.ApiService.Errors;

namespace Aspire70B.ApiService.Chat;

/// <summary>
/// Reads and checks the parameters of an OpenAI chat request, with vLLM's wording for range errors so that a
/// client sees the same message whichever side refuses. Messages and tools are the template's business.
/// </summary>
internal static class ChatParametersReader
{
    public static ChatParameters Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Bad("The request body must be a JSON object.", null);
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw Bad("'messages' must be a non-empty array of chat messages.", "messages");
        }

        var stream = Bool(root, "stream") ?? false;
        var includeUsage = false;
        if (root.TryGetProperty("stream_options", out var options) && options.ValueKind != JsonValueKind.Null)
        {
            if (!stream)
            {
                throw Bad("Stream options can only be defined when `stream=True`.", "stream_options");
            }

            if (options.ValueKind != JsonValueKind.Object)
            {
                throw Bad("'stream_options' must be an object.", "stream_options");
            }

            includeUsage = Bool(options, "include_usage") ?? true;
        }

        var maxTokens = Int(root, "max_completion_tokens") ?? Int(root, "max_tokens");
        if (maxTokens is < 1)
        {
            throw Bad($"max_tokens must be at least 1, got {maxTokens}.", "max_tokens");
        }

        var n = Int(root, "n") ?? 1;
        if (n < 1)
        {
            throw Bad($"n must be at least 1, got {n}.", "n");
        }

        if (n > 16)
        {
            throw Bad($"n must be at most 16, got {n}.", "n");
        }

        var temperature = Number(root, "temperature");
        if (temperature is < 0)
        {
            throw Bad($"temperature must be non-negative, got {Format(temperature.Value)}.", "temperature");
        }

        var topP = Number(root, "top_p");
        if (topP is { } p && !(p > 0 && p <= 1))
        {
            throw Bad($"top_p must be in (0, 1], got {Format(p)}.", "top_p");
        }

        var topK = Int(root, "top_k");
        if (topK is { } k && k is < -1 or 0)
        {
            throw Bad($"top_k must be -1 (disable), or at least 1, got {k}.", "top_k");
        }

        var minP = Number(root, "min_p");
        if (minP is { } m && !(m >= 0 && m <= 1))
        {
            throw Bad($"min_p must be in [0, 1], got {Format(m)}.", "min_p");
        }

        var presence = Penalty(root, "presence_penalty");
        var frequency = Penalty(root, "frequency_penalty");
        var repetition = Number(root, "repetition_penalty");
        if (repetition is <= 0)
        {
            throw Bad($"repetition_penalty must be greater than zero, got {Format(repetition.Value)}.", "repetition_penalty");
        }

        return new ChatParameters
        {
            Model = String(root, "model"),
            Stream = stream,
            IncludeUsage = includeUsage,
            MaxTokens = maxTokens,
            N = n,
            Temperature = temperature,
            TopP = topP,
            TopK = topK,
            MinP = minP,
            PresencePenalty = presence,
            FrequencyPenalty = frequency,
            RepetitionPenalty = repetition,
            Seed = Long(root, "seed"),
            Stop = Stop(root),
            ResponseFormatJson = ResponseFormat(root),
            ToolsJson = root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array ? tools.GetRawText() : null,
            ToolCallsAllowed = ToolChoice(root),
        };
    }

    private static bool ToolChoice(JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (choice.ValueKind == JsonValueKind.String)
        {
            switch (choice.GetString())
            {
                case "auto":
                    return true;
                case "none":
                    return false;
            }
        }

        throw Bad("Only tool_choice 'auto' and 'none' are supported: Llama 3.1 decides itself whether to call a tool.", "tool_choice");
    }

    private static string? ResponseFormat(JsonElement root)
    {
        if (!root.TryGetProperty("response_format", out var format) || format.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var type = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return type switch
        {
            "text" => null,
            "json_object" or "json_schema" => format.GetRawText(),
            _ => throw Bad("response_format.type must be 'text', 'json_object' or 'json_schema'.", "response_format"),
        };
    }

    private static List<string> Stop(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (stop.ValueKind == JsonValueKind.String)
        {
            return [stop.GetString()!];
        }

        if (stop.ValueKind == JsonValueKind.Array && stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String))
        {
            return [.. stop.EnumerateArray().Select(s => s.GetString()!)];
        }

        throw Bad("'stop' must be a string or an array of strings.", "stop");
    }

    private static double? Penalty(JsonElement root, string name)
    {
        var value = Number(root, name);
        if (value is { } v && !(v >= -2 && v <= 2))
        {
            throw Bad($"{name} must be in [-2, 2], got {Format(v)}.", name);
        }

        return value;
    }

    private static double? Number(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)
            ? number
            : throw Bad($"'{name}' must be a number.", name);
    }

    private static int? Int(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw Bad($"'{name}' must be an integer.", name);
    }

    private static long? Long(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw Bad($"'{name}' must be an integer.", name);
    }

    private static bool? Bool(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad($"'{name}' must be a boolean.", name),
        };
    }

    private static string? String(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Bad($"'{name}' must be a string.", name);
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static OpenAIErrorException Bad(string message, string? param) => new(OpenAIError.BadRequest(message, param));
}
