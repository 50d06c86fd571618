using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates;

/// <summary>
/// vLLM's message handling in front of the chat template (<c>vllm/entrypoints/chat_utils.py</c>:
/// <c>_parse_chat_message_content</c>, <c>_postprocess_messages</c>), for templates whose content format is "string".
/// </summary>
internal static class ChatRequestMapper
{
    // Template variables the gateway owns: a request may not replace them through chat_template_kwargs.
    private static readonly HashSet<string> ReservedKwargs = new(StringComparer.Ordinal)
    {
        "messages", "add_generation_prompt", "continue_final_message", "chat_template", "tokenize",
        "bos_token", "eos_token", "unk_token", "raise_exception",
    };

    private static readonly HashSet<string> TextPartTypes = new(StringComparer.Ordinal) { "text", "input_text", "output_text" };

    public static ChatTemplateRequest Map(object? body)
    {
        if (body is not PyDict request)
        {
            throw Invalid("The request must be a JSON object.");
        }

        if (!request.TryGetValue("messages", out var messagesValue) || messagesValue is not PyList messages)
        {
            throw Invalid("'messages' must be an array of messages.");
        }

        var mapped = new PyList();
        for (var i = 0; i < messages.Count; i++)
        {
            mapped.Add(MapMessage(messages[i], i));
        }

        var tools = MapTools(request);
        var addGenerationPrompt = OptionalBool(request, "add_generation_prompt");
        var continueFinalMessage = OptionalBool(request, "continue_final_message") ?? false;
        if (continueFinalMessage && addGenerationPrompt == true)
        {
            throw Invalid("Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
        }

        var kwargs = MapKwargs(request);
        return new ChatTemplateRequest(
            mapped, tools, kwargs, addGenerationPrompt ?? !continueFinalMessage, continueFinalMessage, OfferedToolNames(tools, kwargs));
    }

    private static PyDict MapMessage(object? value, int index)
    {
        if (value is not PyDict message)
        {
            throw Invalid($"messages[{index}] must be an object.");
        }

        if (!message.TryGetValue("role", out var roleValue) || roleValue is not string role)
        {
            throw Invalid($"messages[{index}].role must be a string.");
        }

        var result = new PyDict();
        result.Set("role", role);
        result.Set("content", MapContent(message, role, index));
        if (role == "assistant" && message.TryGetValue("tool_calls", out var toolCalls) && toolCalls is not null)
        {
            var calls = toolCalls as PyList ?? throw Invalid($"messages[{index}].tool_calls must be an array.");
            // Newer vLLM drops an empty tool_calls list so the template takes its ordinary assistant path.
            if (calls.Count > 0)
            {
                result.Set("tool_calls", MapToolCalls(calls, index));
            }
        }

        if (role == "tool" && message.TryGetValue("tool_call_id", out var toolCallId))
        {
            result.Set("tool_call_id", toolCallId);
        }

        if (message.TryGetValue("name", out var name) && name is string)
        {
            result.Set("name", name);
        }

        return result;
    }

    // vLLM: null or absent content is "", a string stays, a list of parts is their texts joined with "\n".
    // A tool result may also be any other JSON value: the Llama 3.1 template prints mappings with tojson.
    private static object? MapContent(PyDict message, string role, int index)
    {
        message.TryGetValue("content", out var content);
        return content switch
        {
            null => string.Empty,
            string text => text,
            PyList parts => JoinTextParts(parts, index),
            _ when role is "tool" or "ipython" => content,
            _ => throw Invalid($"messages[{index}].content must be a string, an array of content parts or null."),
        };
    }

    private static string JoinTextParts(PyList parts, int index)
    {
        var texts = new List<string>(parts.Count);
        for (var j = 0; j < parts.Count; j++)
        {
            var where = $"messages[{index}].content[{j}]";
            switch (parts[j])
            {
                case string text:
                    texts.Add(text);
                    break;
                case PyDict part:
                    if (!part.TryGetValue("type", out var type) || type is not string typeName)
                    {
                        throw Invalid($"{where} has no 'type'.");
                    }

                    var field = TextPartTypes.Contains(typeName) ? "text" : typeName == "refusal" ? "refusal" : null;
                    if (field is null)
                    {
                        throw Invalid($"{where} has type '{typeName}', which this text-only model cannot read.");
                    }

                    part.TryGetValue(field, out var partText);
                    switch (partText)
                    {
                        case null:
                            // vLLM skips a text part whose text is null.
                            break;
                        case string s:
                            texts.Add(s);
                            break;
                        default:
                            throw Invalid($"{where}.{field} must be a string.");
                    }

                    break;
                default:
                    throw Invalid($"{where} must be an object or a string.");
            }
        }

        return string.Join('\n', texts);
    }

    // vLLM's _postprocess_messages: arguments given as a JSON string become the parsed value; absent, null or blank
    // arguments become {}. Unlike vLLM (which silently uses {}), arguments that are not JSON are refused.
    private static PyList MapToolCalls(PyList calls, int index)
    {
        var result = new PyList();
        for (var j = 0; j < calls.Count; j++)
        {
            var where = $"messages[{index}].tool_calls[{j}]";
            if (calls[j] is not PyDict call || !call.TryGetValue("function", out var functionValue) || functionValue is not PyDict function)
            {
                throw Invalid($"{where} must be an object with a 'function' object.");
            }

            if (!function.TryGetValue("name", out var name) || name is not string)
            {
                throw Invalid($"{where}.function.name must be a string.");
            }

            var mappedFunction = Copy(function);
            mappedFunction.Set("arguments", ParseArguments(function, where));
            var mappedCall = Copy(call);
            mappedCall.Set("function", mappedFunction);
            result.Add(mappedCall);
        }

        return result;
    }

    private static object? ParseArguments(PyDict function, string where)
    {
        function.TryGetValue("arguments", out var arguments);
        switch (arguments)
        {
            case null:
                return new PyDict();
            case PyDict or PyList:
                return arguments;
            case string text when string.IsNullOrWhiteSpace(text):
                return new PyDict();
            case string text:
                try
                {
                    return PyJson.Loads(text);
                }
                catch (System.Text.Json.JsonException e)
                {
                    throw new InvalidChatRequestException($"{where}.function.arguments is not valid JSON: {e.Message}", e);
                }

            default:
                throw Invalid($"{where}.function.arguments must be a JSON string.");
        }
    }

    private static PyList? MapTools(PyDict request)
    {
        if (!request.TryGetValue("tools", out var value) || value is null)
        {
            return null;
        }

        if (value is not PyList tools)
        {
            throw Invalid("'tools' must be an array.");
        }

        for (var i = 0; i < tools.Count; i++)
        {
            if (tools[i] is not PyDict tool
                || !tool.TryGetValue("function", out var function) || function is not PyDict definition
                || !definition.TryGetValue("name", out var name) || name is not string)
            {
                throw Invalid($"tools[{i}] must be an object with a 'function' that has a string 'name'.");
            }

            if (tool.TryGetValue("type", out var type) && type is not "function")
            {
                throw Invalid($"tools[{i}].type must be \"function\".");
            }
        }

        // Passed through as sent, keys in the client's order (vLLM would re-serialise them through its pydantic model).
        return tools;
    }

    private static PyDict MapKwargs(PyDict request)
    {
        if (!request.TryGetValue("chat_template_kwargs", out var value) || value is null)
        {
            return new PyDict();
        }

        if (value is not PyDict kwargs)
        {
            throw Invalid("'chat_template_kwargs' must be an object.");
        }

        foreach (var key in kwargs.Keys)
        {
            if (ReservedKwargs.Contains(key))
            {
                throw Invalid($"chat_template_kwargs may not set '{key}'.");
            }
        }

        return kwargs;
    }

    // The tools the template actually lists: custom_tools or tools from chat_template_kwargs win over the request's tools.
    internal static string[] OfferedToolNames(PyList? tools, PyDict kwargs)
    {
        var effective = kwargs.TryGetValue("custom_tools", out var custom) ? custom
            : kwargs.TryGetValue("tools", out var kwargTools) ? kwargTools
            : tools;
        if (effective is not PyList list)
        {
            return [];
        }

        var names = new List<string>();
        foreach (var tool in list)
        {
            var name = tool is PyDict dict
                ? dict.TryGetValue("function", out var f) && f is PyDict function && function.TryGetValue("name", out var n) ? n
                : dict.TryGetValue("name", out var plain) ? plain : null
                : null;
            if (name is string s && !names.Contains(s))
            {
                names.Add(s);
            }
        }

        return [.. names];
    }

    private static bool? OptionalBool(PyDict request, string name)
    {
        if (!request.TryGetValue(name, out var value) || value is null)
        {
            return null;
        }

        return value as bool? ?? throw Invalid($"'{name}' must be a boolean.");
    }

    private static PyDict Copy(PyDict source)
    {
        var copy = new PyDict();
        foreach (var (key, value) in source)
        {
            copy.Set(key, value);
        }

        return copy;
    }

    private static InvalidChatRequestException Invalid(string message) => new(message);
}
