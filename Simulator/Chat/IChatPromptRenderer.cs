using System.Text.Json;

namespace Aspire70B.Simulator.Chat;

/// <summary>
/// Turns a chat request into the prompt text the model sees, as vLLM does with the tokenizer's chat template.
/// Errors in the request or the template are thrown as <see cref="Protocol.VllmErrorException"/> (400).
/// </summary>
internal interface IChatPromptRenderer
{
    string Render(JsonElement request);
}
