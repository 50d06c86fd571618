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

        JsonElement? tools = root.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array && t.GetArrayLength() > 0 ? t : null;
        var toolChoice = ToolChoiceOf(root, tools);
        var responseFormat = ResponseFormat(root);
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
            StructuredOutputsJson = StructuredOutputsBuilder.Build(tools, toolChoice, responseFormat),
            ToolsJson = tools?.GetRawText(),
            ToolChoice = toolChoice,
        };
    }

    // vLLM 0.11's ChatCompletionRequest.check_tool_usage, in OpenAI's error shape with param tool_choice.
    private static ToolChoice ToolChoiceOf(JsonElement root, JsonElement? tools)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
        {
            return Chat.ToolChoice.Auto;
        }

        var parsed = choice.ValueKind switch
        {
            JsonValueKind.String => choice.GetString() switch
            {
                "auto" => Chat.ToolChoice.Auto,
                "none" => Chat.ToolChoice.None,
                "required" => new ToolChoice(ToolChoiceMode.Required),
                _ => null,
            },
            JsonValueKind.Object when (!choice.TryGetProperty("type", out var type) || type.ValueKind == JsonValueKind.String && type.GetString() == "function")
                && choice.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
                && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String => new ToolChoice(ToolChoiceMode.Function, name.GetString()),
            _ => null,
        } ?? throw Bad("tool_choice must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}.", "tool_choice");

        if (parsed.Constrains && tools is null)
        {
            throw Bad("When using `tool_choice`, `tools` must be set.", "tool_choice");
        }

        if (parsed.Mode == ToolChoiceMode.Function && !tools!.Value.EnumerateArray().Any(t =>
                t.ValueKind == JsonValueKind.Object && t.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
                && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() == parsed.FunctionName))
        {
            throw Bad($"The tool specified in `tool_choice` ({parsed.FunctionName}) does not match any of the specified `tools`.", "tool_choice");
        }

        return parsed;
    }

    private static JsonElement? ResponseFormat(JsonElement root)
    {
        if (!root.TryGetProperty("response_format", out var format) || format.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var type = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text":
                return null;
            case "json_object":
                return format;
            case "json_schema":
                if (!format.TryGetProperty("json_schema", out var jsonSchema) || jsonSchema.ValueKind != JsonValueKind.Object
                    || !jsonSchema.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    throw Bad("response_format.json_schema must be an object with a string 'name'.", "response_format");
                }

                if (!jsonSchema.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    throw Bad("response_format.json_schema.schema must be a JSON schema object.", "response_format");
                }

                return format;
            default:
                throw Bad("response_format.type must be 'text', 'json_object' or 'json_schema'.", "response_format");
        }
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
