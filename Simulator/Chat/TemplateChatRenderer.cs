using System.Text.Json;
using Aspire70B.Serving.Templates;
using Aspire70B.Simulator.Engine;
using Aspire70B.Simulator.Protocol;

namespace Aspire70B.Simulator.Chat;

/// <summary>
/// Applies the profile's chat template from Serving, as vLLM applies the tokenizer's. Client text that spells a
/// special token is escaped (U+200B after its first character) rather than refused: vLLM accepts such requests, and
/// the Simulator must not fail where vLLM answers. Thread-safe.
/// </summary>
internal sealed class TemplateChatRenderer(SimulatedDeployment deployment) : IChatPromptRenderer
{
    private readonly IChatTemplate _template = ChatTemplates.Get(deployment.Profile.ChatTemplateId);

    public string Render(JsonElement request)
    {
        try
        {
            return _template.Render(ChatTemplateRequest.FromJson(request), SpecialTokenPolicy.Escape);
        }
        catch (ChatTemplateException e)
        {
            // vLLM's chat route answers preprocessing errors with f"{e} {e.__cause__}": the cause is None here.
            throw new VllmErrorException(VllmError.BadRequest($"{e.Message} None"));
        }
        catch (InvalidChatRequestException e)
        {
            throw new VllmErrorException(VllmError.BadRequest(e.Message));
        }
    }
}
