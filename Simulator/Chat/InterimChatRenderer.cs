using System.Text;
using System.Text.Json;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Chat;

/// <summary>
/// A stand-in until Serving's chat templates are available: the Llama 3.1 and Llama 2 chat formats for plain text
/// messages (system, user, assistant), without tools. Thread-safe.
/// </summary>
internal sealed class InterimChatRenderer(SimulatedDeployment deployment) : IChatPromptRenderer
{
    public string Render(JsonElement request)
    {
        var body = new JsonFields(request);
        if (body.Get("messages") is not { ValueKind: JsonValueKind.Array } messages)
        {
            throw new VllmErrorException(VllmError.BadRequest("messages: Field required", "messages"));
        }

        var turns = messages.EnumerateArray().Select(Turn).ToList();
        var addGenerationPrompt = body.Bool("add_generation_prompt") ?? true;
        return deployment.Profile.ChatTemplateId.StartsWith("llama-2", StringComparison.Ordinal)
            ? Llama2(turns)
            : Llama31(turns, addGenerationPrompt);
    }

    private static (string Role, string Content) Turn(JsonElement message)
    {
        var fields = new JsonFields(message);
        var role = fields.String("role") ?? throw new VllmErrorException(VllmError.BadRequest("messages.role: Field required", "messages"));
        var content = fields.Get("content") switch
        {
            null => string.Empty,
            { ValueKind: JsonValueKind.String } text => text.GetString()!,
            { ValueKind: JsonValueKind.Array } parts => string.Concat(parts.EnumerateArray().Select(p => new JsonFields(p).String("text"))),
            _ => throw new VllmErrorException(VllmError.BadRequest("messages.content: Input should be a valid string", "messages")),
        };
        return (role, content);
    }

    private static string Llama31(List<(string Role, string Content)> turns, bool addGenerationPrompt)
    {
        var prompt = new StringBuilder("<|begin_of_text|>");
        var system = turns.Count > 0 && turns[0].Role == "system" ? turns[0].Content.Trim() : string.Empty;
        Header(prompt, "system").Append("Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n").Append(system).Append("<|eot_id|>");
        foreach (var (role, content) in turns.Skip(system.Length > 0 || (turns.Count > 0 && turns[0].Role == "system") ? 1 : 0))
        {
            Header(prompt, role).Append(content.Trim()).Append("<|eot_id|>");
        }

        if (addGenerationPrompt)
        {
            Header(prompt, "assistant");
        }

        return prompt.ToString();
    }

    private static StringBuilder Header(StringBuilder prompt, string role) =>
        prompt.Append("<|start_header_id|>").Append(role).Append("<|end_header_id|>\n\n");

    private static string Llama2(List<(string Role, string Content)> turns)
    {
        var prompt = new StringBuilder();
        var system = turns.Count > 0 && turns[0].Role == "system" ? turns[0].Content : null;
        var first = true;
        foreach (var (role, content) in turns.Skip(system is null ? 0 : 1))
        {
            if (role == "user")
            {
                var text = first && system is not null ? $"<<SYS>>\n{system}\n<</SYS>>\n\n{content}" : content;
                prompt.Append("<s>[INST] ").Append(text.Trim()).Append(" [/INST]");
                first = false;
            }
            else if (role == "assistant")
            {
                prompt.Append(' ').Append(content.Trim()).Append(" </s>");
            }
        }

        return prompt.ToString();
    }
}
