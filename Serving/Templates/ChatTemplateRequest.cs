using System.Text.Json;
using Aspire70B.Serving.Templates.Python;

namespace Aspire70B.Serving.Templates;

/// <summary>
/// An OpenAI chat request turned into chat-template input the way vLLM does it (see <c>Templates/README.md</c>):
/// text parts joined with <c>\n</c>, <c>content: null</c> as <c>""</c>, assistant <c>tool_calls</c> with their
/// <c>arguments</c> parsed from JSON, <c>tools</c>, <c>add_generation_prompt</c>, <c>continue_final_message</c> and
/// <c>chat_template_kwargs</c>. Immutable; render it with any <see cref="IChatTemplate"/>.
/// </summary>
public sealed class ChatTemplateRequest
{
    internal ChatTemplateRequest(
        PyList messages, PyList? tools, PyDict templateKwargs, bool addGenerationPrompt, bool continueFinalMessage, IReadOnlyList<string> toolNames)
    {
        Messages = messages;
        Tools = tools;
        TemplateKwargs = templateKwargs;
        AddGenerationPrompt = addGenerationPrompt;
        ContinueFinalMessage = continueFinalMessage;
        ToolNames = toolNames;
    }

    /// <summary>Whether the prompt ends with an open assistant header. Defaults to true, or to false with <see cref="ContinueFinalMessage"/>.</summary>
    public bool AddGenerationPrompt { get; }

    /// <summary>Whether the prompt ends right after the final message's text, so the model continues it (assistant prefill).</summary>
    public bool ContinueFinalMessage { get; }

    /// <summary>The names of the functions offered to the model, in order: what a tool-call parser may accept.</summary>
    public IReadOnlyList<string> ToolNames { get; }

    /// <summary>The number of messages in the request.</summary>
    public int MessageCount => Messages.Count;

    internal PyList Messages { get; }

    internal PyList? Tools { get; }

    internal PyDict TemplateKwargs { get; }

    /// <summary>The same request without its <c>tools</c> (template kwargs that name tools stay).</summary>
    public ChatTemplateRequest WithoutTools() =>
        new(Messages, null, TemplateKwargs, AddGenerationPrompt, ContinueFinalMessage, ChatRequestMapper.OfferedToolNames(null, TemplateKwargs));

    /// <summary>Reads an OpenAI chat request from JSON text.</summary>
    /// <exception cref="InvalidChatRequestException">The text is not JSON, or not a chat request this gateway accepts.</exception>
    public static ChatTemplateRequest Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return ChatRequestMapper.Map(PyJson.Loads(json));
        }
        catch (JsonException e)
        {
            throw new InvalidChatRequestException($"The request is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Reads an OpenAI chat request from a parsed JSON body.</summary>
    /// <exception cref="InvalidChatRequestException">The JSON is not a chat request this gateway accepts.</exception>
    public static ChatTemplateRequest FromJson(JsonElement request)
    {
        try
        {
            return ChatRequestMapper.Map(PyJson.FromJson(request));
        }
        catch (JsonException e)
        {
            throw new InvalidChatRequestException($"The request is not valid JSON: {e.Message}", e);
        }
    }
}
